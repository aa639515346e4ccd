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

test_expect_success 'direct with a registered asset: a read-only copy' '
	mlw data create -n nums -p data --type uri_folder -o none &&
	sed "s|path: ./data$|path: azureml:nums@latest|" direct.yml >asset.yml &&
	mlw job create -f asset.yml --name j_asset --wait -q >/dev/null &&
	mlw job download j_asset --output-name out --download-path dl5 -q &&
	test_must_be_empty dl5/named-outputs/out/d.link &&
	echo 7 >expect &&
	test_cmp expect dl5/named-outputs/out/count
'

test_done
