#!/bin/sh
test_description='mlw job show --metrics streams the history: same document, bounded memory'
. ./test-lib.sh

test_expect_success 'setup: a job with 200,000 points over three keys' '
	mlw init -q . &&
	awk "BEGIN { for (i = 0; i < 200000; i++)
		printf \"%s %.17g %d\\n\", (i % 3 ? \"loss\" : \"acc\"), 1 / (i + 1), i }" \
		>points.txt &&
	cat >job.yml <<-EOT &&
	command: mlw log metric --file $PWD/points.txt
	environment: azureml:host@1
	EOT
	mlw -q job create -f job.yml --name h1 --wait &&
	cat >small.yml <<-EOT &&
	command: mlw log metric weird nan
	environment: azureml:host@1
	EOT
	mlw -q job create -f small.yml --name h2 --wait
'

test_expect_success 'the streamed JSON is the document the output tree gives' '
	mlw job show h2 --metrics -o json >streamed.json &&
	mlw job show h2 --metrics -o json --query metric_history >tree.json &&
	/usr/bin/python3 -c "
import json
s = json.load(open(\"streamed.json\"))
t = json.load(open(\"tree.json\"))
assert s[\"metric_history\"] == t, (s[\"metric_history\"], t)
assert s[\"name\"] == \"h2\"
assert s[\"metric_history\"][0][\"value\"] == \"NaN\"
"
'

test_expect_success 'every point, in key then step order' '
	mlw job show h1 --metrics -o json >h1.json &&
	/usr/bin/python3 -c "
import json
h = json.load(open(\"h1.json\"))[\"metric_history\"]
assert len(h) == 200000, len(h)
keys = [p[\"key\"] for p in h]
assert keys == sorted(keys)
acc = [p[\"step\"] for p in h if p[\"key\"] == \"acc\"]
assert acc == sorted(acc) and len(acc) == 66667
"
'

test_expect_success 'yaml too, and an empty history' '
	mlw job show h1 --metrics >h1.yml &&
	test $(grep -c "^  - key: " h1.yml) = 200000 &&
	mlw -q job create -f small.yml --name h3 --wait --set command="true" &&
	mlw job show h3 --metrics >h3.yml &&
	test_grep "^metric_history: \\[\\]$" h3.yml &&
	mlw job show h3 --metrics -o json >h3.json &&
	test "$(test_json_get h3.json "[\"metric_history\"]")" = "[]"
'

test_expect_success !ASAN 'memory does not grow with the history' '
	/usr/bin/time -f %M -o rss mlw job show h1 --metrics -o json >/dev/null &&
	test $(tail -n 1 rss) -lt 65536
'

test_done
