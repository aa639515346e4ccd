#!/bin/sh
test_description='inputs with mode: direct are read where they are'
. ./test-lib.sh

write_job () {
	cat >"$1" <<-EOF
	\$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
	command: >-
	  readlink \${{inputs.d}} >\${{outputs.out}}/d.link;
	  readlink \${{inputs.f}} >\${{outputs.out}}/f.link;
	  cat \${{inputs.d}}/n.txt | wc -l >\${{outputs.out}}/count;
	  true
	environment: azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest
	inputs:
	  d:
	    type: uri_folder
	    path: ./data
	    mode: $2
	  f:
	    type: uri_file
	    path: ./data/n.txt
	    mode: $2
	outputs:
	  out:
	    type: uri_folder
	EOF
}

test_expect_success 'setup: a workspace and a folder of data' '
	mlw init -q &&
	mkdir data &&
	seq 1 5 >data/n.txt &&
	chmod 750 data &&
	ls -l data >perms.before && stat -c %a data >>perms.before &&
	write_job direct.yml direct &&
	write_job mount.yml ro_mount
'

test_expect_success 'direct: the command is handed the source folder and file' '
	mlw job create -f direct.yml --name j_direct --wait -q >/dev/null &&
	mlw job download j_direct --output-name out --download-path dl -q &&
	echo "$PWD/data" >expect &&
	test_cmp expect dl/named-outputs/out/d.link &&
	echo "$PWD/data/n.txt" >expect &&
	test_cmp expect dl/named-outputs/out/f.link &&
	echo 5 >expect &&
	test_cmp expect dl/named-outputs/out/count
'

test_expect_success 'direct: the run records the snapshot of what it read' '
	mlw write-tree data >tree &&
	mlw job show j_direct --query inputs.d.object -o tsv >object &&
	test_cmp tree object
'

test_expect_success 'direct: the working area goes, the source stays as it was' '
	! test -d .mlw/runs/j_direct &&
	ls -l data >perms.after && stat -c %a data >>perms.after &&
	test_cmp perms.before perms.after &&
	mlw fsck -q
'

test_expect_success 'ro_mount (and no mode): a read-only copy, never a link' '
	mlw job create -f mount.yml --name j_mount --wait -q >/dev/null &&
	mlw job download j_mount --output-name out --download-path dl2 -q &&
	test_must_be_empty dl2/named-outputs/out/d.link &&
	test_must_be_empty dl2/named-outputs/out/f.link &&
	echo 5 >expect &&
	test_cmp expect dl2/named-outputs/out/count &&
	sed "/mode:/d" mount.yml >nomode.yml &&
	mlw job create -f nomode.yml --name j_nomode --wait -q >/dev/null &&
	mlw job download j_nomode --output-name out --download-path dl3 -q &&
	test_must_be_empty dl3/named-outputs/out/d.link
'

test_expect_success 'direct, the source changed since: the new snapshot is read' '
	seq 1 7 >data/n.txt &&
	mlw job create -f direct.yml --name j_direct2 --wait -q >/dev/null &&
	mlw job download j_direct2 --output-name out --download-path dl4 -q &&
	echo 7 >expect &&
	test_cmp expect dl4/named-outputs/out/count &&
	mlw write-tree data >tree2 &&
	mlw job show j_direct2 --query inputs.d.object -o tsv >object2 &&
	test_cmp tree2 object2 &&
	! test_cmp tree tree2
'

test_expect_success 'direct: a file whose stat cannot vouch for it is read again, and linked' '
	mkdir racy &&
	seq 1 3 >racy/n.txt &&
	touch -d "+1 hour" racy/n.txt &&
	sed "s|\./data/n.txt|./racy/n.txt|" direct.yml >racy.yml &&
	mlw job create -f racy.yml --name j_racy --wait -q >/dev/null &&
	mlw job download j_racy --output-name out --download-path dl8 -q &&
	echo "$PWD/racy/n.txt" >expect &&
	test_cmp expect dl8/named-outputs/out/f.link
'

test_expect_success 'direct with a registered asset: a read-only copy' '
	mlw data create -n nums -p data --type uri_folder -o none &&
	sed "s|path: ./data$|path: azureml:nums@latest|" direct.yml >asset.yml &&
	mlw job create -f asset.yml --name j_asset --wait -q >/dev/null &&
	mlw job download j_asset --output-name out --download-path dl5 -q &&
	test_must_be_empty dl5/named-outputs/out/d.link &&
	echo 7 >expect &&
	test_cmp expect dl5/named-outputs/out/count
'

# The stat cache (.mlw/statcache, as for 'data create'): an input whose
# files' stat is unchanged since they were stored is not read again.
# The shim makes every open of one of the input's files fail, so a run
# that opened it could not have snapshotted it.  Files changed long ago:
# a file changed in the cache's own tick is never trusted.
SHIM=$TEST_DIRECTORY/fault/libfault.so
test -f "$SHIM" && test_set_prereq SHIM
if test_have_prereq ASAN; then
	ASAN_OPTIONS=$ASAN_OPTIONS:verify_asan_link_order=0
fi

# run_blind NAME MODE FILE: the job of cached.yml (mode MODE) with every
# open of ./cached/FILE failing
run_blind () {
	sed "s/mode: .*/mode: $2/" cached.yml >blind.yml &&
	env LD_PRELOAD="$SHIM" MLW_FAULT_AT=1 MLW_FAULT_STICKY=1 \
		MLW_FAULT_ERRNO=EIO MLW_FAULT_CALLS=open,open64,openat,openat64 \
		MLW_FAULT_PATH="$PWD/cached/$3" \
		mlw job create -f blind.yml --name "$1" --wait -q >/dev/null
}

test_expect_success 'setup: a folder of inputs changed long ago' '
	mkdir cached &&
	for i in 1 2 3; do seq 1 $i >cached/f$i; done &&
	touch -d "2020-01-01 00:00:00" cached/* &&
	sed -e "s|\./data/n.txt|./cached/f2|" -e "s|\./data|./cached|" \
		-e "s|n.txt|f3|" direct.yml >cached.yml
'

test_expect_success SHIM 'a folder never stored: the run opens its files (the control)' '
	test_must_fail run_blind j_blind0 direct f1 2>err &&
	grep "cached/f1.*Input/output error" err
'

test_expect_success SHIM 'an unchanged folder is not read again (stat cache)' '
	mlw job create -f cached.yml --name j_cached1 --wait -q >/dev/null &&
	grep -q "$PWD/cached/f1" .mlw/statcache &&
	run_blind j_cached2 direct f1 &&
	run_blind j_cached3 ro_mount f1 &&
	mlw write-tree cached >tree &&
	for j in j_cached1 j_cached2 j_cached3; do
		mlw job show $j --query inputs.d.object -o tsv >object &&
		test_cmp tree object || return 1
	done &&
	mlw job download j_cached2 --output-name out --download-path dl6 -q &&
	echo 3 >expect &&
	test_cmp expect dl6/named-outputs/out/count
'

test_expect_success SHIM 'a changed file is read again, even with its size and mtime put back' '
	seq 3 5 >cached/f3 &&
	touch -d "2020-01-01 00:00:00" cached/f3 &&
	test_must_fail run_blind j_cached4 direct f3 2>err &&
	grep "cached/f3.*Input/output error" err &&
	run_blind j_cached4b direct f1 &&
	mlw job create -f cached.yml --name j_cached5 --wait -q >/dev/null &&
	mlw write-tree cached >tree2 &&
	mlw job show j_cached5 --query inputs.d.object -o tsv >object &&
	test_cmp tree2 object &&
	! test_cmp tree tree2 &&
	mlw job download j_cached5 --output-name out --download-path dl7 -q &&
	echo 3 >expect &&
	test_cmp expect dl7/named-outputs/out/count &&
	mlw fsck -q
'

test_done
