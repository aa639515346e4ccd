#!/bin/sh
test_description='mlw compute: targets from specs and flags, list, show, update, delete; jobs naming them'
. ./test-lib.sh

test_expect_success 'setup' '
	mlw init -q . &&
	cat >hpc.yml <<-\EOT &&
	$schema: https://mlw.invalid/slurmCompute.schema.json
	name: hpc
	type: slurm
	partition: debug
	account: ml
	time_limit: "1:00:00"
	nodes: 2
	cpus_per_task: 1
	mem: 1G
	sbatch_options: ["--exclusive"]
	tags: {team: a}
	EOT
	cat >aml.yml <<-\EOT
	$schema: https://azuremlschemas.azureedge.net/latest/amlCompute.schema.json
	name: cpu-cluster
	type: amlcompute
	size: STANDARD_DS3_v2
	min_instances: 0
	max_instances: 3
	idle_time_before_scale_down: 120
	EOT
'

test_expect_success 'create -f records a Slurm target and prints it' '
	mlw compute create -f hpc.yml -o json >out.json &&
	test "$(test_json_get out.json "[\"type\"]")" = slurm &&
	test "$(test_json_get out.json "[\"partition\"]")" = debug &&
	test "$(test_json_get out.json "[\"nodes\"]")" = 2 &&
	test "$(test_json_get out.json "[\"sbatch_options\"][0]")" = --exclusive &&
	test "$(test_json_get out.json "[\"tags\"][\"team\"]")" = a &&
	spec=$(test_json_get out.json "[\"spec\"]") &&
	test "$spec" = "$(sha256sum <hpc.yml | cut -d" " -f1)" &&
	mlw cat-object -t $spec >type && test_grep blob type
'

test_expect_success 'an Azure amlCompute spec is accepted and recorded' '
	mlw compute create -f aml.yml -o json >aml.json &&
	test "$(test_json_get aml.json "[\"type\"]")" = amlcompute &&
	test "$(test_json_get aml.json "[\"size\"]")" = STANDARD_DS3_v2 &&
	test "$(test_json_get aml.json "[\"max_instances\"]")" = 3
'

test_expect_success 'list shows every target by name, local among them' '
	mlw compute list -o tsv >list &&
	cut -f1,2 list >names &&
	printf "cpu-cluster\tamlcompute\nhpc\tslurm\nlocal\tlocal\n" >expect &&
	test_cmp expect names &&
	mlw compute list --type slurm -o json >slurm.json &&
	test "$(test_json_get slurm.json ".__len__()")" = 1
'

test_expect_success 'show of the built-in local needs no create' '
	mlw compute show local -o json >local.json &&
	test "$(test_json_get local.json "[\"type\"]")" = local
'

test_expect_success 'create from flags, as az ml compute create' '
	mlw compute create -n small --type slurm --partition debug \
		--time-limit 30 --mem 512M --cpus-per-task 2 -o json >s.json &&
	test "$(test_json_get s.json "[\"cpus_per_task\"]")" = 2 &&
	test "$(test_json_get s.json "[\"time_limit\"]")" = 30
'

test_expect_success 'create again replaces the settings, keeps the creation time' '
	created=$(mlw compute show small --query created -o tsv) &&
	mlw compute create -n small --type slurm --partition other -q -o none &&
	mlw compute show small -o json >s2.json &&
	test "$(test_json_get s2.json "[\"partition\"]")" = other &&
	test "$(test_json_get s2.json "[\"created\"]")" = "$created" &&
	test "$(test_json_get s2.json ".get(\"mem\")")" = None
'

test_expect_success 'update sets and unsets fields' '
	mlw compute update hpc --qos high --set partition= --set mem=2G \
		--tags team=b -o json >u.json &&
	test "$(test_json_get u.json "[\"qos\"]")" = high &&
	test "$(test_json_get u.json ".get(\"partition\")")" = None &&
	test "$(test_json_get u.json "[\"mem\"]")" = 2G &&
	test "$(test_json_get u.json "[\"tags\"][\"team\"]")" = b &&
	mlw compute show hpc --query qos -o tsv >qos &&
	echo high >expect && test_cmp expect qos
'

test_expect_success 'a setting another type has is refused, naming the fields' '
	test_expect_code 2 mlw compute create -n x2 --type amlcompute \
		--partition p 2>err &&
	test_grep "amlcompute computes have no .partition." err &&
	test_grep "max_instances" err &&
	test_expect_code 3 mlw compute show x2
'

test_expect_success 'values Slurm would not read are refused, nothing recorded' '
	test_expect_code 2 mlw compute create -n x3 --type slurm \
		--time-limit 1:2:3:4 2>err &&
	test_grep "Slurm.s forms" err &&
	test_expect_code 2 mlw compute create -n x3 --type slurm --mem 4X 2>err &&
	test_grep "memory .4X." err &&
	test_expect_code 2 mlw compute create -n x3 --type slurm --nodes 0 2>err &&
	test_grep "nodes must be at least 1" err &&
	test_expect_code 2 mlw compute create -n x3 --type slurm \
		--sbatch-option "-N 2" 2>err &&
	test_grep "long option" err &&
	test_expect_code 2 mlw compute create -n x3 --type slurm \
		--partition "a b" 2>err &&
	test_expect_code 3 mlw compute show x3
'

test_expect_success 'spec errors carry their position' '
	sed "s/^nodes: 2/nodes: 0/" hpc.yml >bad.yml &&
	test_expect_code 2 mlw compute create -f bad.yml 2>err &&
	test_grep "bad.yml:7:8: nodes must be at least 1" err &&
	printf "name: z1\ntype: kubernetes\n" >k.yml &&
	test_expect_code 2 mlw compute create -f k.yml 2>err &&
	test_grep "k.yml:2:7: compute type .kubernetes. cannot run here" err &&
	printf "name: z1\ntype: slurm\npartitoin: x\n" >typo.yml &&
	test_expect_code 2 mlw compute validate -f typo.yml 2>err &&
	test_grep "typo.yml:3:1: unknown key .partitoin." err &&
	sed "s/max_instances: 3/max_instances: 1\nmin_instances: 2/" aml.yml |
		grep -v "min_instances: 0" >minmax.yml &&
	test_expect_code 2 mlw compute create -f minmax.yml 2>err &&
	test_grep "min_instances (2) is above max_instances (1)" err
'

test_expect_success 'names follow the rule for compute names' '
	test_expect_code 2 mlw compute create -n ../x --type local 2>err &&
	test_grep "compute name" err &&
	test_expect_code 2 mlw compute create -n local --type slurm 2>err &&
	test_grep "this machine" err
'

test_expect_success 'delete removes a target; twice is exit 3' '
	mlw compute delete small &&
	test_expect_code 3 mlw compute delete small 2>err &&
	test_grep "compute .small. not found" err &&
	test_expect_code 3 mlw compute delete local 2>err &&
	test_grep "cannot be deleted" err
'

test_expect_success 'fsck and gc keep the specs of targets' '
	mlw gc -q &&
	spec=$(mlw compute show hpc --query spec -o tsv) &&
	mlw cat-object -t $spec &&
	mlw fsck
'

# the runs and objects of the workspace, to see that nothing was created
snapshot () {
	{
		mlw job list --all-results --include-archived -o tsv
		find .mlw/objects .mlw/runs -type f 2>/dev/null | sort
	} >"$1"
}

test_expect_success 'a command job naming a compute this workspace lacks: exit 3 naming it, nothing created' '
	printf "command: echo hi\nenvironment: azureml:env@latest\ncompute: azureml:nowhere\n" >j.yml &&
	snapshot before &&
	test_expect_code 3 mlw job create -f j.yml --name n1 --wait 2>err &&
	test_grep "^mlw: error: j.yml:3:10: compute .nowhere. not found in this workspace: create it (.mlw compute create -n nowhere" err &&
	test_grep "or set compute.missing = local in .mlw/config" err &&
	snapshot after &&
	test_cmp before after &&
	test_expect_code 3 mlw job show n1 2>/dev/null
'

test_expect_success 'a sweep naming one: exit 3, said at its compute:' '
	cat >sw.yml <<-\EOT &&
	type: sweep
	trial:
	  command: echo x=${{search_space.x}}
	  environment: azureml:env@latest
	compute: azureml:cpu-farm
	properties: {mlw.metrics_pattern: true}
	sampling_algorithm: grid
	search_space:
	  x: {type: choice, values: [1, 2]}
	objective: {goal: maximize, primary_metric: x}
	limits: {max_total_trials: 2}
	EOT
	snapshot before &&
	test_expect_code 3 mlw job create -f sw.yml --name sw1 2>err &&
	test_grep "^mlw: error: sw.yml:5:10: compute .cpu-farm. not found" err &&
	snapshot after &&
	test_cmp before after
'

test_expect_success 'a pipeline whose default_compute or a step names one: exit 3, nothing created' '
	cat >p1.yml <<-\EOT &&
	type: pipeline
	settings:
	  default_compute: azureml:nowhere
	jobs:
	  a: {command: echo a, environment: azureml:env@latest}
	EOT
	cat >p2.yml <<-\EOT &&
	type: pipeline
	jobs:
	  a: {command: echo a, environment: azureml:env@latest}
	  b:
	    command: echo b
	    environment: azureml:env@latest
	    compute: azureml:gpu-farm
	EOT
	snapshot before &&
	test_expect_code 3 mlw job create -f p1.yml --name p1 2>err &&
	test_grep "^mlw: error: p1.yml:3:20: compute .nowhere. not found" err &&
	test_expect_code 3 mlw job create -f p2.yml --name p2 --wait 2>err &&
	test_grep "^mlw: error: p2.yml:7:14: compute .gpu-farm. not found" err &&
	snapshot after &&
	test_cmp before after
'

test_expect_success 'validation does not need the compute to exist' '
	mlw job validate -f j.yml -f sw.yml -f p1.yml -f p2.yml >out &&
	test_grep "j.yml: valid" out &&
	test_grep "p2.yml: valid" out
'

test_expect_success 'compute.missing = local in .mlw/config: such jobs run here, saying so' '
	git config -f .mlw/config compute.missing local &&
	mlw job create -f j.yml --name n1 --wait 2>err &&
	test_grep "compute .nowhere. is not a target of this workspace; it runs on this machine (compute.missing = local" err &&
	test "$(mlw job show n1 --query status -o tsv)" = Completed &&
	test "$(mlw job show n1 --query compute -o tsv)" = azureml:nowhere &&
	mlw -q job create -f sw.yml --name sw1 --wait &&
	test "$(mlw job show sw1 --query status -o tsv)" = Completed &&
	test "$(mlw job show sw1_0 --query compute -o tsv)" = azureml:cpu-farm &&
	mlw -q job create -f p2.yml --name p2 --wait &&
	test "$(mlw job show p2 --query status -o tsv)" = Completed
'

test_expect_success 'compute.missing = error is the default; another value is a usage error' '
	git config -f .mlw/config compute.missing error &&
	test_expect_code 3 mlw job create -f j.yml 2>err &&
	test_grep "compute .nowhere. not found" err &&
	git config -f .mlw/config compute.missing maybe &&
	test_expect_code 2 mlw job create -f j.yml 2>err &&
	test_grep "compute.missing is .maybe.; it may be .error. (the default) or .local." err &&
	git config -f .mlw/config --unset compute.missing
'

test_expect_success 'an amlcompute without a mapped partition runs here, saying so' '
	printf "command: echo hi\nenvironment: azureml:env@latest\ncompute: azureml:cpu-cluster\n" >a.yml &&
	mlw job create -f a.yml --name a1 --wait 2>err &&
	test_grep "runs on this machine" err &&
	test "$(mlw job show a1 --query compute -o tsv)" = azureml:cpu-cluster
'

test_expect_success 'local, serverless and no compute at all run here' '
	printf "command: echo hi\nenvironment: azureml:env@latest\ncompute: azureml:serverless\n" >l.yml &&
	mlw job create -f l.yml --name l1 --wait 2>err &&
	test_grep -v compute err
'

test_done
