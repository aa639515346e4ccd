#!/bin/sh
test_description='names from users and specs never reach outside their folder'
. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-store.sh

# The workspace is ws/; outside/ (in the trash folder) and a canary
# folder beside the trash folder must never change, whatever a name says.
CANARY=$TRASH_DIRECTORY.canary

snapshot () {
	for d in "$TRASH_DIRECTORY/outside" "$CANARY"
	do
		(cd "$d" && find . -printf "%y %m %s %p %l\n" | sort &&
		 find . -type f -exec cksum {} + | sort) || return 1
	done
}

test_expect_success 'setup' '
	rm -rf "$CANARY" &&
	mkdir -p outside/sub "$CANARY" ws &&
	echo keep >outside/keep.txt &&
	echo keep >outside/sub/keep.txt &&
	echo keep >"$CANARY/keep.txt" &&
	cd ws &&
	mlw init -q . &&
	git init -q . &&
	cat >echo.yml <<-\EOT &&
	command: echo hi
	environment: azureml:host@1
	EOT
	snapshot >../before
'

test_expect_success 'a job name climbing out of .mlw/runs is refused (2), nothing touched' '
	test_expect_code 2 mlw -q job create -f echo.yml --wait \
		--name ../../../outside 2>err &&
	test_grep "job name .../../../outside. is not valid: a job name is 1 to 255 letters, digits" err &&
	test_expect_code 2 mlw -q job create -f echo.yml --wait \
		--name "../../../../../../../../../../../../$CANARY" 2>err &&
	test_expect_code 2 mlw -q job create -f echo.yml --name a/b 2>err &&
	test_grep "^mlw: error: --name: job name" err &&
	mlw job list -o tsv >list &&
	test_must_be_empty list &&
	snapshot >../after &&
	test_cmp ../before ../after
'

test_expect_success 'a name: line in the spec is checked too, with its position' '
	cat >evil.yml <<-\EOT &&
	command: echo hi
	environment: azureml:host@1
	name: ../../../outside
	EOT
	test_expect_code 2 mlw -q job create -f evil.yml --wait 2>err &&
	test_grep "^mlw: error: evil.yml:3:7: job name" err &&
	test_expect_code 2 mlw job create -f evil.yml --dry-run 2>err &&
	snapshot >../after &&
	test_cmp ../before ../after &&
	test ! -e .mlw/runs/../../../outside/user_logs
'

test_expect_success 'other names a job gives: control characters escaped, long ones cut' '
	for n in "" . .. -x _x "a b" "$(printf "a\tb")" $(printf "%0256d" 0)
	do
		test_expect_code 2 mlw -q job create -f echo.yml --name "$n" \
			2>err || return 1
	done &&
	test_grep "job name .0\{80\}\.\.\.. is not valid" err &&
	test_expect_code 2 mlw -q job create -f echo.yml \
		--name "$(printf "a\tb")" 2>err &&
	test_grep "job name .a\\\\x09b. is not valid" err &&
	mlw -q job create -f echo.yml --name $(printf "%0255d" 0) --wait &&
	mlw -q job create -f echo.yml --name A.b-c_9 --wait
'

test_expect_success 'names that are a suffix of .mlw/runs work' '
	for n in s runs uns mlw; do
		mlw -q job create -f echo.yml --name $n --wait >out &&
		echo $n >expect && test_cmp expect out &&
		mlw job stream $n >log &&
		test_grep "^hi$" log || return 1
	done &&
	test -d .mlw/runs &&
	ls .mlw/runs >left &&
	test_must_be_empty left &&
	mlw fsck
'

test_expect_success 'experiment names: --experiment-name and experiment_name' '
	test_expect_code 2 mlw -q job create -f echo.yml \
		--experiment-name ../x 2>err &&
	test_grep "^mlw: error: --experiment-name: experiment name" err &&
	cat >exp.yml <<-\EOT &&
	command: echo hi
	environment: azureml:host@1
	experiment_name: a/../b
	EOT
	test_expect_code 2 mlw -q job create -f exp.yml 2>err &&
	test_grep "^mlw: error: exp.yml:3:18: experiment name" err
'

test_expect_success 'a folder name that is not a name makes a valid default experiment' '
	mkdir "../my project" &&
	cp echo.yml "../my project/" &&
	(cd "../my project" &&
	 MLW_DIR=$TRASH_DIRECTORY/ws/.mlw mlw -q job create -f echo.yml \
		--name dflt --wait) &&
	mlw job show dflt --query experiment_name -o tsv >actual &&
	echo my_project >expect &&
	test_cmp expect actual
'

test_expect_success 'input and output keys climbing out are refused before anything runs' '
	mkdir data && echo 1 >data/x &&
	find .mlw/objects -type f | sort >objects.before &&
	cat >in.yml <<-\EOT &&
	command: ls
	environment: azureml:host@1
	inputs:
	  "../../../outside/in":
	    type: uri_folder
	    path: data
	EOT
	test_expect_code 2 mlw -q job create -f in.yml --wait 2>err &&
	test_grep "^mlw: error: in.yml:4:3: input name .../../../outside/in. is not valid" err &&
	cat >out.yml <<-\EOT &&
	command: echo x
	environment: azureml:host@1
	outputs:
	  ../../../outside:
	EOT
	test_expect_code 2 mlw -q job create -f out.yml --wait 2>err &&
	test_grep "^mlw: error: out.yml:4:3: output name" err &&
	cat >file.yml <<-\EOT &&
	command: echo x >${{outputs.o}}
	environment: azureml:host@1
	outputs:
	  o:
	    type: uri_file
	    path: azureml://datastores/d/paths/x/..
	EOT
	test_expect_code 2 mlw -q job create -f file.yml --wait 2>err &&
	test_grep "file.yml:6:11: outputs.o.path does not end with a file name" err &&
	find .mlw/objects -type f | sort >objects.after &&
	test_cmp objects.before objects.after &&
	snapshot >../after &&
	test_cmp ../before ../after
'

test_expect_success 'an artifact name climbing out is refused by mlw log artifact' '
	cat >art.yml <<-\EOT &&
	command: >-
	  echo pwned >f &&
	  { mlw log artifact f --name ../../outside/pwned; echo "rc=$?"; } &&
	  { mlw log artifact f --name /abs; echo "rc=$?"; } &&
	  { mlw log artifact f --name a//b; echo "rc=$?"; } &&
	  mlw log artifact f --name ok/f.txt
	environment: azureml:host@1
	EOT
	mlw -q job create -f art.yml --name art --wait &&
	mlw job stream art >log &&
	test $(grep -c "^rc=2$" log) = 3 &&
	test_grep "artifact name .../../outside/pwned. is not valid" log &&
	mlw job show art -o json >s.json &&
	test_json_get s.json "[\"artifacts\"]" >arts &&
	test_grep "ok/f.txt" arts &&
	test_grep -v "pwned" arts &&
	mlw job download art --download-path dl &&
	test -f dl/artifacts/ok/f.txt &&
	snapshot >../after &&
	test_cmp ../before ../after
'

test_expect_success 'download refuses names from a tampered catalog (128), writes nothing outside' '
	id=$(sqlite3 .mlw/mlw.db "SELECT id FROM runs WHERE name = '\''art'\''") &&
	obj=$(sqlite3 .mlw/mlw.db "SELECT object FROM run_artifacts WHERE run = $id") &&
	sqlite3 .mlw/mlw.db "INSERT INTO run_artifacts (run, path, object, size) VALUES ($id, '\''../../outside/pwned'\'', '\''$obj'\'', 6)" &&
	test_expect_code 128 mlw job download art --all --download-path dl2 2>err &&
	test_grep "artifact name" err &&
	sqlite3 .mlw/mlw.db "DELETE FROM run_artifacts WHERE path LIKE '\''%pwned'\''" &&
	mlw -q job create -f echo.yml --name withio --wait &&
	id=$(sqlite3 .mlw/mlw.db "SELECT id FROM runs WHERE name = '\''withio'\''") &&
	tree=$(mlw write-tree data) &&
	sqlite3 .mlw/mlw.db "INSERT INTO run_outputs (run, name, type, object) VALUES ($id, '\''../../../outside'\'', '\''uri_folder'\'', '\''$tree'\'')" &&
	test_expect_code 128 mlw job download withio --all --download-path dl3 2>err &&
	test_grep "output name" err &&
	sqlite3 .mlw/mlw.db "DELETE FROM run_outputs WHERE run = $id" &&
	snapshot >../after &&
	test_cmp ../before ../after
'

test_expect_success PYTHON 'download refuses a crafted output tree naming ../ (128)' '
	blob=$(mlw hash-object -w data/x) &&
	printf "mlw tree 1\n100644 %s 2 ../../../../outside/pwned\0" $blob >crafted &&
	tree=$(put_raw_object tree crafted) &&
	test "$(mlw cat-object -t $tree)" = tree &&
	mlw -q job create -f echo.yml --name crafted --wait &&
	id=$(sqlite3 .mlw/mlw.db "SELECT id FROM runs WHERE name = '\''crafted'\''") &&
	sqlite3 .mlw/mlw.db "INSERT INTO run_outputs (run, name, type, object) VALUES ($id, '\''o'\'', '\''uri_folder'\'', '\''$tree'\'')" &&
	test_expect_code 128 mlw job download crafted --all --download-path dl4 2>err &&
	test_grep "bad name" err &&
	test ! -e dl4/named-outputs/o &&
	test_expect_code 128 mlw checkout-tree $tree co 2>err &&
	test_expect_code 1 mlw fsck >fsck.out &&
	test_grep "$tree" fsck.out &&
	sqlite3 .mlw/mlw.db "DELETE FROM run_outputs WHERE run = $id" &&
	rm -f .mlw/objects/$(echo $tree | cut -c1-2)/$(echo $tree | cut -c3-) &&
	mlw fsck &&
	snapshot >../after &&
	test_cmp ../before ../after
'

test_expect_success 'download never writes through a symbolic link in its target' '
	mkdir dl5 &&
	ln -s "$TRASH_DIRECTORY/outside" dl5/artifacts &&
	test_expect_code 2 mlw job download art --all --download-path dl5 2>err &&
	test_grep "symbolic link or not a folder" err &&
	mkdir -p dl6/artifacts &&
	ln -s "$TRASH_DIRECTORY/outside/sub" dl6/artifacts/ok &&
	test_expect_code 2 mlw job download art --all --download-path dl6 2>err &&
	test_grep "dl6/artifacts/ok. is a symbolic link" err &&
	snapshot >../after &&
	test_cmp ../before ../after
'

test_expect_success 'symbolic links in code: are snapshotted as links, never followed' '
	mkdir code &&
	ln -s "$TRASH_DIRECTORY/outside" code/abs &&
	ln -s ../../outside/keep.txt code/rel &&
	ln -s "$CANARY" code/canary &&
	echo "test -L abs && test -L rel && ls abs/ >/dev/null" >code/run.sh &&
	cat >code.yml <<-\EOT &&
	command: sh run.sh
	code: code
	environment: azureml:host@1
	EOT
	mlw -q job create -f code.yml --name links --wait &&
	tree=$(mlw job show links --query code -o tsv) &&
	mlw ls-tree $tree >ls &&
	test_grep "^120000 blob .*	abs$" ls &&
	test_grep "^120000 blob .*	rel$" ls &&
	mlw -q job create -f code.yml --name links2 --wait &&
	test ! -e .mlw/runs/links2 &&
	snapshot >../after &&
	test_cmp ../before ../after &&
	mlw fsck
'

test_expect_success 'validate checks the names of jobs, components, endpoints and deployments' '
	test_expect_code 2 mlw job validate -f in.yml 2>err &&
	test_grep "in.yml:4:3: input name" err &&
	test_expect_code 2 mlw job validate -f evil.yml 2>err &&
	test_grep "evil.yml:3:7: job name" err &&
	cat >comp.yml <<-\EOT &&
	$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
	name: ../train
	type: command
	command: echo hi
	environment: azureml:host@1
	outputs:
	  a/b:
	    type: uri_folder
	EOT
	test_expect_code 2 mlw component validate -f comp.yml 2>err &&
	test_grep "comp.yml:2:7: component name .../train. is not valid" err &&
	test_grep "comp.yml:7:3: output name .a/b. is not valid" err &&
	cat >ep.yml <<-\EOT &&
	$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json
	name: my_endpoint
	auth_mode: key
	EOT
	test_expect_code 2 mlw endpoint validate -f ep.yml 2>err &&
	test_grep "ep.yml:2:7: endpoint name .my_endpoint. is not valid: an endpoint name is 3 to 32" err &&
	cat >dep.yml <<-\EOT &&
	$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json
	name: ../blue
	endpoint_name: my-endpoint
	model: azureml:m:1
	instance_type: Standard_DS3_v2
	instance_count: 1
	EOT
	test_expect_code 2 mlw endpoint validate -f dep.yml 2>err &&
	test_grep "dep.yml:2:7: deployment name" err &&
	sed -i "s/name: ..\/blue/name: blue/" dep.yml &&
	sed -i "s/my_endpoint/my-endpoint/" ep.yml &&
	mlw endpoint validate -f dep.yml -f ep.yml
'

test_expect_success 'validate checks a pipeline'"'"'s step names, their inputs and outputs, inline components' '
	cat >pipe.yml <<-\EOT &&
	$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json
	type: pipeline
	jobs:
	  ../up:
	    type: command
	    command: echo hi
	    environment: azureml:host@1
	    inputs:
	      ../../in:
	        type: uri_folder
	        path: ./
	    outputs:
	      ../../out:
	        type: uri_folder
	  inline:
	    type: pipeline
	    component:
	      name: a/b
	      outputs:
	        x/y:
	          type: uri_folder
	      jobs:
	        "./deep":
	          type: command
	          command: echo hi
	          environment: azureml:host@1
	EOT
	test_expect_code 2 mlw job validate -f pipe.yml 2>err &&
	test_grep "pipe.yml:4:3: step name .../up. is not valid: a step name is 1 to 255" err &&
	test_grep "pipe.yml:9:7: input name .../../in. is not valid" err &&
	test_grep "pipe.yml:13:7: output name .../../out. is not valid" err &&
	test_grep "pipe.yml:18:13: component name .a/b. is not valid" err &&
	test_grep "pipe.yml:20:9: output name .x/y. is not valid" err &&
	test_grep "pipe.yml:23:9: step name ../deep. is not valid" err &&
	sed -e "s|\.\./up|up|; s|\.\./\.\./in|in_1|; s|\.\./\.\./out|out|" \
	    -e "s|a/b|ab|; s|x/y|x_y|; s|\./deep|_deep|" pipe.yml >good.yml &&
	mlw job validate -f good.yml 2>err &&
	snapshot >../after &&
	test_cmp ../before ../after
'

test_expect_success 'cleanup' '
	rm -rf "$CANARY"
'

test_done
