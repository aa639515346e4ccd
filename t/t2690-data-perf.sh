#!/bin/sh
test_description='listing 10,000 data assets (timing printed, bound loose)'
. ./test-lib.sh

command -v sqlite3 >/dev/null && test_set_prereq SQLITE3

ms () {
	echo $(( ($(date +%s%N) - $1) / 1000000 ))
}

test_expect_success SQLITE3 'setup: 10,000 assets, one version each, inserted directly' '
	mlw init -q &&
	mlw data create -n seed -p https://example.com/seed.csv -t uri_file 2>/dev/null >/dev/null &&
	sqlite3 .mlw/mlw.db "
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 9999)
		INSERT INTO assets (kind, name, version, version_num, type, path,
			reference, tags, properties, created, updated)
		SELECT kind, printf(\"asset%05d\", i), version, version_num, type,
			path, reference, tags, properties, created + i, updated + i
		FROM n, assets WHERE name = \"seed\";" &&
	mlw data list -o tsv >list &&
	test $(wc -l <list) = 10000
'

test_expect_success SQLITE3 'data list of 10,000 assets' '
	mlw data list -o tsv >/dev/null &&
	t0=$(date +%s%N) && mlw data list -o tsv >list && tsv=$(ms $t0) &&
	t0=$(date +%s%N) && mlw data list >table && table=$(ms $t0) &&
	t0=$(date +%s%N) && mlw data list -o json >list.json && json=$(ms $t0) &&
	t0=$(date +%s%N) && mlw data show asset05000@latest >one.json && show=$(ms $t0) &&
	echo "# data list, 10000 assets: tsv ${tsv} ms, table ${table} ms, json ${json} ms; show ${show} ms" &&
	test "$(test_json_get list.json "[9999][\"name\"]")" = seed
'

test_done
