#!/bin/sh
test_description='the catalog: refs (update-ref, show-ref), the operation log, schema versions'
. ./test-lib.sh

test_expect_success 'setup' '
	mlw init >/dev/null &&
	echo one >one && echo two >two &&
	one=$(mlw hash-object -w one) &&
	two=$(mlw hash-object -w two)
'

test_expect_success 'update-ref sets a ref; show-ref lists it' '
	mlw update-ref baseline $one >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	mlw show-ref >out &&
	echo "$one baseline" >expect &&
	test_cmp expect out
'

test_expect_success 'update-ref moves an existing ref' '
	mlw update-ref baseline $two &&
	mlw show-ref baseline >out &&
	echo "$two baseline" >expect &&
	test_cmp expect out
'

test_expect_success 'a short prefix is stored as the full id' '
	mlw update-ref short $(echo $one | cut -c1-8) &&
	mlw show-ref short >out &&
	echo "$one short" >expect &&
	test_cmp expect out
'

test_expect_success 'valid names: slashes, dots, @, dashes, underscores' '
	for n in a/b model@v1 x.y_z-1 data/raw/2024.01 A9; do
		mlw update-ref $n $one || return 1
	done &&
	mlw show-ref a/b model@v1 x.y_z-1 data/raw/2024.01 A9 >out &&
	test $(wc -l <out) = 5
'

test_expect_success 'invalid names exit 2 and write nothing' '
	mlw show-ref >before &&
	for n in ../x a/../b -x /x x/ a//b "a b" "" "a;b" "ref\$" "é"; do
		test_expect_code 2 mlw update-ref -- "$n" $one 2>err || return 1
		test_grep "not a valid ref name" err || return 1
	done &&
	mlw show-ref >after &&
	test_cmp before after
'

test_expect_success 'an unknown or malformed id: exit 3 or 2, nothing written' '
	mlw show-ref >before &&
	test_expect_code 3 mlw update-ref new 0000 2>err &&
	test_grep "not found" err &&
	test_expect_code 2 mlw update-ref new xyz 2>err &&
	test_grep "not an object id" err &&
	mlw show-ref >after &&
	test_cmp before after
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 mlw update-ref onlyname 2>err &&
	test_grep "give a ref name and an object id" err &&
	test_expect_code 2 mlw update-ref -d 2>err &&
	test_grep "give one ref name" err
'

test_expect_success 'show-ref -o json: name, id, updated (RFC 3339 UTC)' '
	mlw -o json show-ref baseline >out &&
	/usr/bin/python3 -c "
import json, re, datetime
doc = json.load(open(\"out\"))
assert len(doc) == 1, doc
e = doc[0]
assert sorted(e) == [\"id\", \"name\", \"updated\"], e
assert e[\"name\"] == \"baseline\" and e[\"id\"] == \"$two\", e
assert re.match(r\"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$\", e[\"updated\"]), e
t = datetime.datetime.strptime(e[\"updated\"][:19], \"%Y-%m-%dT%H:%M:%S\")
age = (datetime.datetime.utcnow() - t).total_seconds()
assert -5 < age < 600, age
"
'

test_expect_success 'show-ref of a missing name exits 3 (after listing the others)' '
	test_expect_code 3 mlw show-ref baseline nosuch >out 2>err &&
	echo "$two baseline" >expect &&
	test_cmp expect out &&
	test_grep "ref .nosuch. not found" err
'

test_expect_success 'update-ref -d deletes; deleting a missing ref exits 3' '
	mlw update-ref -d short &&
	test_expect_code 3 mlw show-ref short &&
	test_expect_code 3 mlw update-ref -d short 2>err &&
	test_grep "not found" err
'

test_expect_success 'every change is in the operation log, with its arguments' '
	sqlite3 .mlw/mlw.db "SELECT command, args FROM oplog WHERE command = '\''update-ref'\'' ORDER BY id" >log &&
	head -1 log >first &&
	echo "update-ref|update-ref baseline $one" >expect &&
	test_cmp expect first &&
	tail -1 log >last &&
	echo "update-ref|update-ref -d short" >expect &&
	test_cmp expect last &&
	sqlite3 .mlw/mlw.db "SELECT count(*) FROM oplog WHERE command = '\''update-ref'\'' AND pid > 0 AND time > 1e9" >n &&
	test $(cat n) = $(wc -l <log)
'

test_expect_success 'fsck counts references' '
	mlw -o json fsck >out &&
	test_json_get out "[\"references\"]" >n &&
	mlw show-ref | wc -l >expect &&
	test $(cat n) = $(cat expect)
'

test_expect_success 'a catalog from a newer mlw is refused, not misread' '
	cp .mlw/mlw.db saved.db &&
	sqlite3 .mlw/mlw.db "PRAGMA user_version = 99" &&
	test_expect_code 128 mlw show-ref >out 2>err &&
	test_must_be_empty out &&
	test_grep "schema version 99, newer than this mlw understands" err &&
	test_expect_code 128 mlw update-ref z $one 2>err &&
	test_grep "upgrade mlw" err &&
	test_expect_code 1 mlw fsck >out &&
	test_grep "^catalog: .*schema version 99" out &&
	sqlite3 .mlw/mlw.db "SELECT count(*) FROM refs WHERE name = '\''z'\''" >n &&
	echo 0 >expect &&
	test_cmp expect n &&
	cp saved.db .mlw/mlw.db &&
	mlw fsck
'

test_expect_success 'an old catalog (schema 0) is migrated forward when opened' '
	mkdir old &&
	sqlite3 old.db "PRAGMA journal_mode = WAL" >/dev/null &&
	mlw init old >/dev/null &&
	rm -f old/.mlw/mlw.db* &&
	mv old.db old/.mlw/mlw.db &&
	(cd old && mlw update-ref r $(mlw hash-object -w ../one)) &&
	sqlite3 old/.mlw/mlw.db "PRAGMA user_version" >v &&
	sqlite3 .mlw/mlw.db "PRAGMA user_version" >expect &&
	test_cmp expect v &&
	(cd old && mlw show-ref r >../out) &&
	echo "$one r" >expect &&
	test_cmp expect out &&
	# schema 7 took the (key, value) index of last metric values away
	sqlite3 old/.mlw/mlw.db "SELECT name FROM sqlite_master
		WHERE tbl_name = '"'"'run_metrics_last'"'"' ORDER BY name" >idx &&
	sqlite3 .mlw/mlw.db "SELECT name FROM sqlite_master
		WHERE tbl_name = '"'"'run_metrics_last'"'"' ORDER BY name" >expect &&
	test_cmp expect idx &&
	! grep run_metrics_last_kv idx
'

test_done
