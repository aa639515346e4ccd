#!/bin/sh
test_description='mlw job create: command jobs run on this machine and recorded'
. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-job.sh

test_expect_success 'setup' '
	mlw init -q . &&
	git init -q -b main . &&
	git remote add origin https://example.com/team/repo.git &&
	mkdir src data &&
	for i in 1 2 3; do echo "print($i)" >src/f$i.py || return 1; done &&
	echo "*.tmp" >src/.gitignore &&
	echo "secret.txt" >src/.amlignore &&
	echo junk >src/junk.tmp && echo s >src/secret.txt &&
	echo a,b >data/d.csv &&
	cat >job.yml <<-\EOT
	$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
	code: src
	command: >-
	  echo hi ${{inputs.n}} $[[--opt ${{inputs.maybe}}]] &&
	  ls &&
	  cat ${{inputs.data}}/d.csv &&
	  echo "$GREETING" &&
	  echo model >${{outputs.model}}/m.txt &&
	  echo "$MLW_RUN_ID" >${{outputs.model}}/id.txt
	inputs:
	  n: 42
	  maybe:
	    type: string
	    optional: true
	  data:
	    type: uri_folder
	    path: ./data
	outputs:
	  model:
	environment: azureml:sklearn@latest
	environment_variables:
	  GREETING: bonjour
	tags:
	  team: blue
	EOT
	echo .mlw/ >.gitignore &&
	git add . &&
	git -c user.name=t -c user.email=t@example.com commit -q -m init &&
	cat >echo.yml <<-\EOT
	command: echo hi
	environment: azureml:sklearn@latest
	EOT
	cat >fail.yml <<-\EOT
	command: no-such-command-anywhere
	environment: azureml:sklearn@latest
	EOT
	cat >sleep.yml <<-\EOT
	command: echo started; sleep 30
	environment: azureml:sklearn@latest
	EOT
	cat >timeout.yml <<-\EOT
	command: sleep 30
	environment: azureml:sklearn@latest
	limits:
	  timeout: 1
	EOT
	cat >selfkill.yml <<-\EOT
	command: kill -9 $$
	environment: azureml:sklearn@latest
	EOT
'

test_expect_success 'create --stream runs the command and streams its log' '
	mlw job create -f job.yml --stream >out 2>err &&
	test_grep "^hi 42$" out &&
	test_grep "^a,b$" out &&
	test_grep "^bonjour$" out &&
	test_grep "f1.py" out &&
	test_grep "environment" err &&
	! grep -e "--opt" out
'

test_expect_success 'ignore rules: .gitignore and .amlignore leave files out' '
	! grep "junk.tmp" out &&
	! grep "secret.txt" out
'

test_expect_success 'the run is recorded: status, inputs, outputs, tags' '
	mlw job list -o tsv >list &&
	test $(wc -l <list) = 1 &&
	name=$(cut -f1 list) &&
	mlw job show $name -o json >show.json &&
	test "$(test_json_get show.json "[\"status\"]")" = Completed &&
	test "$(test_json_get show.json "[\"exit_code\"]")" = 0 &&
	test "$(test_json_get show.json "[\"inputs\"][\"n\"][\"value\"]")" = 42 &&
	test "$(test_json_get show.json "[\"tags\"][\"team\"]")" = blue &&
	test_json_get show.json "[\"outputs\"][\"model\"][\"object\"]" >tree &&
	mlw ls-tree $(cat tree) >entries &&
	test_grep "m.txt" entries &&
	test_grep "id.txt" entries
'

test_expect_success 'git state of the code is recorded' '
	test "$(test_json_get show.json "[\"properties\"][\"azureml.git.branch\"]")" = main &&
	test "$(test_json_get show.json "[\"properties\"][\"azureml.git.repository_uri\"]")" = https://example.com/team/repo.git &&
	git rev-parse HEAD >expect &&
	test_json_get show.json "[\"properties\"][\"azureml.git.commit\"]" >actual &&
	test_cmp expect actual &&
	test "$(test_json_get show.json "[\"properties\"][\"azureml.git.dirty\"]")" = False
'

test_expect_success 'the working area is gone after the run; download restores outputs' '
	name=$(cut -f1 list) &&
	test_must_fail test -d .mlw/runs/$name &&
	mlw job download $name --all --download-path dl &&
	test "$(cat dl/named-outputs/model/id.txt)" = "$name" &&
	test_grep "bonjour" dl/artifacts/user_logs/std_log.txt
'

test_expect_success 'job stream replays a finished job' '
	name=$(cut -f1 list) &&
	mlw job stream $name >replay &&
	test_grep "^bonjour$" replay
'

test_expect_success 'create returns at once with the name; --wait waits' '
	name=$(mlw -q job create -f echo.yml) &&
	test -n "$name" &&
	mlw -q job create -f echo.yml --wait --name waited >out &&
	test_grep "^waited$" out &&
	mlw job show waited -o json >w.json &&
	test "$(test_json_get w.json "[\"status\"]")" = Completed
'

test_expect_success 'a given name that exists is refused' '
	test_expect_code 2 mlw -q job create -f echo.yml --name waited 2>err &&
	test_grep "already exists" err
'

test_expect_success 'a command that does not exist: Failed, 127, message in the log' '
	test_expect_code 1 mlw -q job create -f fail.yml --stream --name nocmd >out 2>err &&
	test_grep "not found" out &&
	mlw job show nocmd -o json >s.json &&
	test "$(test_json_get s.json "[\"status\"]")" = Failed &&
	test "$(test_json_get s.json "[\"exit_code\"]")" = 127
'

test_expect_success 'a job killed by a signal is Failed with 128+N' '
	test_expect_code 1 mlw -q job create -f selfkill.yml --wait --name killed &&
	mlw job show killed -o json >s.json &&
	test "$(test_json_get s.json "[\"status\"]")" = Failed &&
	test "$(test_json_get s.json "[\"exit_code\"]")" = 137 &&
	test_grep "signal 9" s.json
'

test_expect_success 'limits.timeout stops the job' '
	test_expect_code 1 mlw -q job create -f timeout.yml --wait --name slow &&
	mlw job show slow -o json >s.json &&
	test "$(test_json_get s.json "[\"status\"]")" = Failed &&
	test_grep "timeout" s.json
'

test_expect_success 'a missing input path: exit 2, nothing recorded' '
	sed "s|path: ./data|path: ./nope|" job.yml >missing.yml &&
	mlw job list --all-results -o tsv >before &&
	test_expect_code 2 mlw job create -f missing.yml 2>err &&
	test_grep "nope" err &&
	mlw job list --all-results -o tsv >after &&
	test_cmp before after
'

test_expect_success 'an azureml: data input that is not registered: exit 2, nothing recorded' '
	sed "s|path: ./data|path: azureml:diabetes:1|" job.yml >asset.yml &&
	test_expect_code 2 mlw job create -f asset.yml 2>err &&
	test_grep "input .data.: no data or model asset .diabetes. version .1." err &&
	mlw job list --all-results -o tsv >after &&
	test_cmp before after
'

test_expect_success 'an empty command: exit 2 with its position, nothing recorded' '
	for c in "\"\"" "\"  \"" "\"\\n\""; do
		printf "command: %s\nenvironment: azureml:host@1\n" "$c" \
			>empty.yml &&
		test_expect_code 2 mlw job create -f empty.yml 2>err &&
		test_grep "^mlw: error: empty.yml:1:10: .command. is empty" err ||
		return 1
	done &&
	mlw job list --all-results -o tsv >after &&
	test_cmp before after
'

test_expect_success '--dry-run prints the bound command and records nothing' '
	mlw -q job create -f job.yml --dry-run >cmd &&
	test_grep "echo hi 42" cmd &&
	test_grep "/inputs/data/d.csv" cmd &&
	mlw job list --all-results -o tsv >after &&
	test_cmp before after
'

test_expect_success 'cancel kills the process group and records Canceled' '
	name=$(mlw -q job create -f sleep.yml) &&
	wait_status $name Running &&
	mlw job cancel $name &&
	mlw job show $name -o json >s.json &&
	test "$(test_json_get s.json "[\"status\"]")" = Canceled &&
	test_expect_code 1 mlw job cancel $name
'

test_expect_success 'a supervisor killed with -9 is detected: the run is Failed' '
	name=$(mlw -q job create -f sleep.yml) &&
	wait_status $name Running &&
	mlw job show $name -o json >s.json &&
	kill -9 $(sqlite3 .mlw/mlw.db "SELECT supervisor_pid FROM runs WHERE name = '\''$name'\''") &&
	sleep 0.1 &&
	mlw job list --status Failed -o tsv >failed &&
	test_grep "^$name" failed
'

test_expect_success '20 jobs created at once all complete with unique names' '
	for i in $(seq 20); do
		mlw -q job create -f echo.yml >name.$i &
	done &&
	wait &&
	cat name.* | sort -u >names &&
	test $(wc -l <names) = 20 &&
	for n in $(cat names); do
		wait_status $n Completed || return 1
	done
'

test_expect_success 'a large log is captured whole (streamed, constant memory)' '
	cat >big.yml <<-\EOT
	command: head -c 52428800 /dev/zero | tr "\\0" x | fold -w 99
	environment: azureml:sklearn@latest
	EOT
	mlw -q job create -f big.yml --wait --name big &&
	mlw job stream big >big.out &&
	test $(wc -c <big.out) = $((52428800 + 52428800 / 99))
'

test_expect_success 'the command: environment set over ours, own process group, stdin empty' '
	cat >procenv.yml <<-\EOT &&
	command: >-
	  echo "greeting=$GREETING run=$MLW_RUN_ID dir=$MLW_DIR" &&
	  echo "pgid=$(cut -d" " -f5 /proc/$$/stat) pid=$$" &&
	  echo "stdin=$(cat)" &&
	  yes | head -n 1
	environment: azureml:sklearn@latest
	environment_variables:
	  GREETING: bonjour
	  EXTRA: 1
	EOT
	GREETING=hello MLW_RUN_ID=stale \
		mlw job create -f procenv.yml --name procenv --stream >out 2>err &&
	test_grep "^greeting=bonjour run=procenv dir=$(pwd)/.mlw$" out &&
	pid=$(sed -n "s/^pgid=\([0-9]*\) pid=.*/\1/p" out) &&
	test_grep "^pgid=$pid pid=$pid$" out &&
	test_grep "^stdin=$" out &&
	test_grep "^y$" out &&
	! grep -i "broken pipe" out
'

test_expect_success 'every status has its time, in order, with no hook listening' '
	! test -e .mlw/hooks/run-status-changed &&
	mlw job show procenv -o json >times.json &&
	for s in NotStarted Queued Starting Running Finalizing Ended
	do
		test_json_get times.json "[\"times\"][\"$s\"]" || return 1
	done >times &&
	test $(wc -l <times) = 6 &&
	sort times >sorted &&
	test_cmp sorted times
'

test_done
