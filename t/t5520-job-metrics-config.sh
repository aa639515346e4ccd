#!/bin/sh
test_description='the metrics pattern from the workspace config (job.metricsPattern)'
. ./test-lib.sh

test_expect_success 'setup' '
	mlw init -q . &&
	cat >plain.yml <<-\EOT &&
	command: echo "acc=0.75 loss=1e-3" && echo "step 3 val 0.5"
	environment: azureml:x@1
	EOT
	cat >off.yml <<-\EOT
	command: echo "acc=0.75"
	environment: azureml:x@1
	properties:
	  mlw.metrics_pattern: "off"
	EOT
'

test_expect_success 'off by default: printed lines are only log' '
	mlw -q job create -f plain.yml --name p0 --wait &&
	mlw job show p0 -o json >s.json &&
	test "$(test_json_get s.json "[\"metrics\"]")" = "{}"
'

test_expect_success 'job.metricsPattern = true turns on the Katib pattern' '
	printf "[job]\n\tmetricsPattern = true\n" >>.mlw/config &&
	mlw -q job create -f plain.yml --name p1 --wait &&
	mlw job show p1 -o json >s.json &&
	test "$(test_json_get s.json "[\"metrics\"][\"acc\"]")" = 0.75 &&
	test "$(test_json_get s.json "[\"metrics\"][\"loss\"]")" = 0.001
'

test_expect_success 'the spec property overrides the workspace' '
	mlw -q job create -f off.yml --name p2 --wait &&
	mlw job show p2 -o json >s.json &&
	test "$(test_json_get s.json "[\"metrics\"]")" = "{}"
'

test_expect_success 'a pattern of its own (first group the name, second the value)' '
	printf "[job]\n\tmetricsPattern = \"(?<name>val) (?<value>[0-9.]+)\"\n" \
		>>.mlw/config &&
	mlw -q job create -f plain.yml --name p3 --wait &&
	mlw job show p3 -o json >s.json &&
	test "$(test_json_get s.json "[\"metrics\"][\"val\"]")" = 0.5
'

test_expect_success 'a malformed config: file and line named, nothing run' '
	cp .mlw/config config.good &&
	printf "[job\n" >>.mlw/config &&
	test_expect_code 2 mlw job create -f plain.yml --name p4 2>err &&
	test_grep "config:[0-9]*:" err &&
	test_must_fail mlw job show p4 &&
	cp config.good .mlw/config &&
	mlw fsck
'

test_done
