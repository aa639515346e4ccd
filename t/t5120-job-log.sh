#!/bin/sh
test_description='a job that prints a big log: captured in bounded memory, replayed whole'
. ./test-lib.sh

test -x /usr/bin/time && test_set_prereq GNUTIME

# 64 MiB: far above what mlw needs in memory (a few MiB), so a log held
# in memory anywhere on the way shows in the peak RSS
size=67108864
limit_kib=40960

test_expect_success 'setup' '
	mlw init -q . &&
	yes "epoch 3 step 1234 loss=0.1234567 accuracy=0.9876543 lr=0.001" |
		head -c $size >lines.txt &&
	head -c $size /dev/zero | tr "\\0" x >oneline.txt &&
	cat >lines.yml <<-EOT &&
	command: cat $PWD/lines.txt
	environment: azureml:x@latest
	EOT
	cat >oneline.yml <<-EOT
	command: cat $PWD/oneline.txt
	environment: azureml:x@latest
	properties:
	  mlw.metrics_pattern: katib
	EOT
'

# the peak RSS of a command and everything it waited for, in KiB
peak_rss () {
	/usr/bin/time -f %M -o rss "$@" >/dev/null &&
	tail -n 1 rss
}

test_expect_success 'a 64 MiB log is replayed byte for byte' '
	mlw -q job create -f lines.yml --wait --name big >/dev/null &&
	mlw job stream big >replay &&
	cmp lines.txt replay
'

test_expect_success GNUTIME,!ASAN 'it is captured in bounded memory' '
	rss=$(peak_rss mlw -q job create -f lines.yml --wait --name big2) &&
	echo "peak RSS of create --wait and its supervisor: $rss KiB" &&
	test "$rss" -lt $limit_kib
'

test_expect_success GNUTIME,!ASAN 'and replayed in bounded memory' '
	rss=$(peak_rss mlw job stream big) &&
	echo "peak RSS of job stream: $rss KiB" &&
	test "$rss" -lt $limit_kib
'

test_expect_success 'the metrics pattern does not hold a line without end' '
	mlw -q job create -f oneline.yml --wait --name long >/dev/null &&
	mlw job stream long >replay &&
	cmp oneline.txt replay
'

test_expect_success GNUTIME,!ASAN 'nor does it make the supervisor grow' '
	rss=$(peak_rss mlw -q job create -f oneline.yml --wait --name long2) &&
	echo "peak RSS with the pattern on one 64 MiB line: $rss KiB" &&
	test "$rss" -lt $limit_kib
'

test_done
