#!/bin/sh
test_description='mlw data: create, list, show, versions, immutability'
. ./test-lib.sh

test_expect_success 'setup' '
	mlw init -q &&
	mkdir -p d/sub &&
	echo a,b >d/x.csv &&
	echo nested >d/sub/y.txt &&
	printf "1,2\n3,4\n" >one.csv
'

test_expect_success 'create a folder asset: version 1, a tree' '
	mlw data create -n diab -p d >out.json &&
	test_json_get out.json "[\"version\"]" >v && echo 1 >expect && test_cmp expect v &&
	test_json_get out.json "[\"type\"]" >t && echo uri_folder >expect && test_cmp expect t &&
	tree=$(test_json_get out.json "[\"object\"]") &&
	test "$tree" = "$(mlw write-tree d)" &&
	echo tree >expect && mlw cat-object -t $tree >actual && test_cmp expect actual
'

test_expect_success 'versions auto-increment; an unchanged folder stores no new object' '
	find .mlw/objects -type f | sort >before &&
	mlw data create -n diab -p d >out.json &&
	test "$(test_json_get out.json "[\"version\"]")" = 2 &&
	test "$(test_json_get out.json "[\"object\"]")" = "$tree" &&
	find .mlw/objects -type f | sort >after &&
	test_cmp before after
'

test_expect_success 'a file asset is a blob named by sha256sum' '
	mlw data create -n one -p one.csv -t uri_file -d "two rows" \
		--tags src=test --tags owner=me >out.json &&
	test "$(test_json_get out.json "[\"object\"]")" = "$(sha256sum one.csv | cut -d" " -f1)" &&
	test "$(test_json_get out.json "[\"tags\"][\"owner\"]")" = me &&
	test "$(test_json_get out.json "[\"description\"]")" = "two rows" &&
	test "$(test_json_get out.json "[\"path\"]")" = "$PWD/one.csv"
'

test_expect_success 'an explicit version that exists with the same content is idempotent' '
	mlw data create -n diab -p d -v 2 >out.json 2>err &&
	test "$(test_json_get out.json "[\"version\"]")" = 2 &&
	test_grep "already exists with this content" err &&
	mlw data list -n diab -o tsv >list &&
	test $(wc -l <list) = 2
'

test_expect_success 'the same version with other content fails naming both ids' '
	echo changed >>d/x.csv &&
	new=$(mlw write-tree d) &&
	test_expect_code 2 mlw data create -n diab -p d -v 2 >out 2>err &&
	test_must_be_empty out &&
	test_grep "$tree" err &&
	test_grep "$new" err &&
	mlw data list -n diab -o tsv >list &&
	test $(wc -l <list) = 2
'

test_expect_success 'a named version and then auto-increment past integers only' '
	mlw data create -n diab -p d -v 10 >/dev/null &&
	mlw data create -n diab -p d -v beta >/dev/null &&
	mlw data create -n diab -p d >out.json &&
	test "$(test_json_get out.json "[\"version\"]")" = 11
'

test_expect_success 'show NAME, NAME@latest, NAME:VERSION, -n/-v, azureml:' '
	mlw data show diab >a.json &&
	test "$(test_json_get a.json "[\"version\"]")" = 11 &&
	mlw data show diab@latest >b.json && test_cmp a.json b.json &&
	mlw data show diab:1 >c.json &&
	test "$(test_json_get c.json "[\"object\"]")" = "$tree" &&
	mlw data show -n diab -v 1 >d.json && test_cmp c.json d.json &&
	mlw data show azureml:diab:1 >e.json && test_cmp c.json e.json
'

test_expect_success 'not found is exit 3: name, version, @latest' '
	test_expect_code 3 mlw data show nope@latest 2>err &&
	test_grep "not found" err &&
	test_expect_code 3 mlw data show diab:99 &&
	test_expect_code 3 mlw data show -n nope &&
	test_expect_code 3 mlw data list -n nope
'

test_expect_success 'every form of reference: ARM ids, registries, job outputs' '
	arm=/subscriptions/0-1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws &&
	mlw data show $arm/data/diab/versions/1 >f.json && test_cmp c.json f.json &&
	mlw data show azureml:$arm/data/diab/versions/1 >g.json &&
	test_cmp c.json g.json &&
	test_expect_code 2 mlw data show $arm/models/diab/versions/1 2>err &&
	test_grep "ARM id of .diab. names models, not data" err &&
	test_expect_code 3 mlw data show azureml://registries/azureml/data/diab/versions/1 2>err &&
	test_grep "not available locally" err &&
	test_expect_code 3 mlw data show azureml://datastores/blob/paths/x.csv 2>err &&
	test_grep "not available locally" err &&
	test_expect_code 2 mlw data show azureml:jobs/j1/outputs/out 2>err &&
	test_grep "is a job.s output, not a registered data asset" err &&
	test_expect_code 2 mlw data show diab:1:2 2>err &&
	test_grep "too many" err &&
	test_expect_code 2 mlw data archive diab@latest 2>err &&
	test_grep "archive takes NAME or NAME:VERSION" err
'

test_expect_success 'bad usage is exit 2' '
	test_expect_code 2 mlw data create -n diab &&
	test_expect_code 2 mlw data create -p d &&
	test_expect_code 2 mlw data create -n "bad name" -p d &&
	test_expect_code 2 mlw data create -n ../x -p d &&
	test_expect_code 2 mlw data create -n x -p d -v "1/2" &&
	test_expect_code 2 mlw data create -n x -p d -t weird &&
	test_expect_code 2 mlw data show "diab@newest" &&
	test_expect_code 2 mlw data show diab -n diab &&
	test_expect_code 2 mlw data list --archived-only --include-archived
'

test_expect_success 'types are checked against the path' '
	test_expect_code 2 mlw data create -n x -p d -t uri_file 2>err &&
	test_grep "uri_file needs a file" err &&
	test_expect_code 2 mlw data create -n x -p one.csv 2>err &&
	test_grep "uri_folder needs a folder" err &&
	test_expect_code 2 mlw data create -n x -p d -t mltable 2>err &&
	test_grep "MLTable" err &&
	mkdir tbl && echo "paths: [{file: ./a.csv}]" >tbl/MLTable && echo 1 >tbl/a.csv &&
	mlw data create -n tbl -p tbl -t mltable >out.json &&
	test "$(test_json_get out.json "[\"type\"]")" = mltable
'

test_expect_success 'a missing path is exit 3 and changes nothing' '
	mlw data list --include-archived -o tsv >before &&
	test_expect_code 3 mlw data create -n x -p no/such/dir 2>err &&
	test_grep "does not exist" err &&
	mlw data list --include-archived -o tsv >after &&
	test_cmp before after &&
	mlw fsck
'

test_expect_success 'remote paths are references; nothing is fetched' '
	mlw data create -n web -p https://example.com/data/x.csv -t uri_file >out.json 2>err &&
	test_grep "offline" err &&
	test "$(test_json_get out.json "[\"reference\"]")" = https://example.com/data/x.csv &&
	test "$(test_json_get out.json "[\"object\"]")" = None &&
	mlw data create -n lake -p abfss://fs@acct.dfs.core.windows.net/p >/dev/null 2>&1 &&
	mlw data create -n blob -p wasbs://c@acct.blob.core.windows.net/p >/dev/null 2>&1 &&
	mlw data create -n ds -p azureml://datastores/workspaceblobstore/paths/p >/dev/null 2>&1 &&
	test_expect_code 2 mlw data download web -p dl 2>err &&
	test_grep "reference" err
'

test_expect_success 'job outputs: parsed, and no such job is exit 3' '
	test_expect_code 3 mlw data create -n out -p azureml:jobs/happy_lamp_4k2/outputs/model 2>err &&
	test_grep "job .happy_lamp_4k2. not found" err &&
	test_expect_code 2 mlw data create -n out -p azureml:jobs/happy_lamp_4k2 &&
	test_expect_code 2 mlw data create -n out -p ftp://x/y
'

test_expect_success 'list: one row per name, newest version; --name every version' '
	mlw data list -o tsv >list &&
	cut -f1,2 list >actual &&
	printf "blob\t1\ndiab\t11\nds\t1\nlake\t1\none\t1\ntbl\t1\nweb\t1\n" >expect &&
	test_cmp expect actual &&
	mlw data list -n diab -o tsv >list &&
	cut -f2 list >actual &&
	printf "1\n2\n10\nbeta\n11\n" >expect &&
	test_cmp expect actual &&
	mlw data list -r 2 -o tsv >list &&
	test $(wc -l <list) = 2 &&
	mlw data list -o json >list.json &&
	test "$(test_json_get list.json "[1][\"name\"]")" = diab &&
	mlw data list >table &&
	test_grep "^NAME" table
'

test_expect_success 'archive one version: @latest skips it; restore brings it back' '
	mlw data archive diab:11 &&
	mlw data show diab@latest >out.json &&
	test "$(test_json_get out.json "[\"version\"]")" = beta &&
	mlw data show diab:11 >out.json &&
	test "$(test_json_get out.json "[\"archived\"]")" = True &&
	mlw data list -n diab -o tsv >list &&
	test_grep -v "^diab	11	" list &&
	mlw data list -n diab --include-archived -o tsv >list &&
	test_grep "^diab	11	" list &&
	mlw data list -n diab --archived-only -o tsv >list &&
	test $(wc -l <list) = 1 &&
	mlw data restore diab -v 11 &&
	mlw data show diab@latest >out.json &&
	test "$(test_json_get out.json "[\"version\"]")" = 11
'

test_expect_success 'archive the whole asset: hidden from list, @latest is exit 3' '
	mlw data archive -n one &&
	mlw data list -o tsv >list &&
	test_grep -v "^one	" list &&
	test_expect_code 3 mlw data show one@latest 2>err &&
	test_grep "archived" err &&
	mlw data show one:1 >/dev/null &&
	mlw data list --archived-only -o tsv >list &&
	test_grep "^one	1	" list &&
	mlw data restore one &&
	mlw data show one@latest >/dev/null &&
	test_expect_code 3 mlw data archive nope &&
	test_expect_code 3 mlw data restore diab:99
'

test_expect_success 'update changes description and tags only' '
	mlw data update one:1 -d "new words" --tags a=1 --set tags.b=2 >out.json &&
	test "$(test_json_get out.json "[\"description\"]")" = "new words" &&
	test "$(test_json_get out.json "[\"tags\"][\"a\"]")" = 1 &&
	test "$(test_json_get out.json "[\"tags\"][\"b\"]")" = 2 &&
	test "$(test_json_get out.json "[\"tags\"][\"src\"]")" = test &&
	mlw data update one --remove tags.src --set description=again >out.json &&
	test "$(test_json_get out.json "[\"description\"]")" = again &&
	test_json_get out.json "[\"tags\"]" >tags &&
	test_grep -v src tags &&
	test_expect_code 2 mlw data update one --set path=/etc &&
	test_expect_code 2 mlw data update one --remove tags.nope &&
	test_expect_code 2 mlw data update one &&
	test_expect_code 3 mlw data update nope -d x &&
	mlw data show one >out.json &&
	test "$(test_json_get out.json "[\"object\"]")" = "$(sha256sum one.csv | cut -d" " -f1)"
'

test_expect_success 'download restores content byte-exact' '
	mlw data download diab:1 -p dl >path &&
	echo "dl/diab" >expect && test_cmp expect path &&
	test "$(mlw write-tree dl/diab)" = "$tree" &&
	mlw data download one --download-path dl >path &&
	test_cmp one.csv "$(cat path)" &&
	test_expect_code 2 mlw data download diab:1 -p dl 2>err &&
	test_grep "not empty\|exists" err
'

test_expect_success 'symbolic links in a folder are kept as links, never followed' '
	mkdir -p esc outside &&
	echo secret >outside/s.txt &&
	ln -s ../outside/s.txt esc/link &&
	echo in >esc/in.txt &&
	mlw data create -n esc -p esc >out.json &&
	obj=$(test_json_get out.json "[\"object\"]") &&
	mlw ls-tree $obj >ls &&
	test_grep "^120000 " ls &&
	mlw data download esc -p dl2 &&
	test -h dl2/esc/link &&
	echo ../outside/s.txt >expect &&
	readlink dl2/esc/link >actual && test_cmp expect actual
'

test_expect_success 'fsck is clean after failures; gc keeps asset content' '
	mlw fsck &&
	mlw gc --prune=now &&
	mlw fsck &&
	rm -rf dl3 &&
	mlw data download diab:1 -p dl3 &&
	test "$(mlw write-tree dl3/diab)" = "$tree" &&
	mlw data download one -p dl3 >path &&
	test_cmp one.csv "$(cat path)"
'

test_expect_success 'fsck reports a missing asset object naming the asset' '
	cp -r .mlw saved &&
	obj=$(sha256sum one.csv | cut -d" " -f1) &&
	rm -f .mlw/objects/$(echo $obj | cut -c1-2)/$(echo $obj | cut -c3-) &&
	test_expect_code 1 mlw fsck >out 2>&1 &&
	test_grep "one:1" out &&
	rm -rf .mlw && mv saved .mlw
'

# every json key create, show, list and download print is in the page
json_keys () {
	/usr/bin/python3 -c '
import json, sys
def walk(v, top):
    if isinstance(v, dict):
        for k, x in v.items():
            print(k)
            if k not in ("tags", "properties"):
                walk(x, False)
    elif isinstance(v, list):
        for x in v:
            walk(x, False)
walk(json.load(open(sys.argv[1])), True)' "$1" | sort -u
}

test_expect_success PYTHON 'every json field is documented in mlw-data(1)' '
	mlw data list --include-archived -o json >all.json &&
	mlw data download one -p dl4 -o json >dl.json &&
	json_keys all.json >keys && json_keys dl.json >>keys &&
	for k in $(sort -u keys); do
		grep -E -e "^\.B(R)? $k( |\$)" "$MLW_BUILD_DIR/man/mlw-data.1" >/dev/null ||
		{ echo "mlw-data.1 does not document $k"; return 1; }
	done
'

test_done
