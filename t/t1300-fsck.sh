#!/bin/sh
test_description='mlw fsck: content, connectivity and references'
. ./test-lib.sh

obj () {
	echo .mlw/objects/$(echo "$1" | cut -c1-2)/$(echo "$1" | cut -c3-)
}

# keep a copy of an object file so a test can put it back
save_obj () {
	cp -p $(obj $1) saved.$1
}

restore_obj () {
	f=$(obj $1) &&
	chmod u+w $f 2>/dev/null
	rm -f $f &&
	mkdir -p $(dirname $f) &&
	cp -p saved.$1 $f
}

# flip one byte at offset $2 (negative: from the end) of object $1
flip_byte () {
	f=$(obj $1) &&
	size=$(wc -c <$f) &&
	off=$2 &&
	if test $off -lt 0; then off=$((size + off)); fi &&
	chmod u+w $f &&
	byte=$(od -An -tx1 -j $off -N1 $f | tr -d " ") &&
	if test "$byte" = 41; then new=B; else new=A; fi &&
	printf $new | dd of=$f bs=1 seek=$off conv=notrunc 2>/dev/null &&
	chmod 444 $f
}

test_expect_success 'setup: blobs, a tree and refs' '
	mlw init >/dev/null &&
	head -c 300000 /dev/urandom >random.bin &&
	seq 1 100000 >text.txt &&
	mkdir dir dir/sub &&
	echo one >dir/one &&
	echo two >dir/sub/two &&
	head -c 5000 /dev/urandom >dir/sub/raw &&
	mlw hash-object -w random.bin text.txt >ids &&
	rnd=$(sed -n 1p ids) && txt=$(sed -n 2p ids) &&
	tree=$(mlw write-tree dir) &&
	two=$(mlw hash-object dir/sub/two) &&
	raw=$(mlw hash-object dir/sub/raw) &&
	mlw update-ref snapshot $tree &&
	mlw update-ref data/random $rnd &&
	mlw update-ref data/text $txt
'

test_expect_success 'a clean store: exit 0 and no output' '
	mlw fsck >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err
'

test_expect_success 'a clean store: -v reports the counts on stderr' '
	mlw fsck -v >out 2>err &&
	test_must_be_empty out &&
	n=$(find .mlw/objects -type f | wc -l) &&
	test_grep "checked $n objects (2 trees) and 3 references: 0 problems" err
'

test_expect_success 'a clean store: -o json' '
	mlw -o json fsck >out &&
	cat >expect <<-JSON &&
	{"problems": [], "ok": true, "objects": $(find .mlw/objects -type f | wc -l),
	 "trees": 2, "references": 3}
	JSON
	test_json_eq expect out
'

test_expect_success 'a flipped byte in a raw object: exit 1 naming it' '
	save_obj $rnd &&
	flip_byte $rnd -10 &&
	test_expect_code 1 mlw fsck >out 2>err &&
	test_grep "^$rnd: content hashes to [0-9a-f]\{64\}$" out &&
	test $(wc -l <out) = 1 &&
	restore_obj $rnd &&
	mlw fsck
'

test_expect_success 'a flipped byte in a compressed object: exit 1 naming it' '
	save_obj $txt &&
	flip_byte $txt 200 &&
	test_expect_code 1 mlw fsck >out &&
	test_grep "^$txt: " out &&
	test $(wc -l <out) = 1 &&
	restore_obj $txt &&
	mlw fsck
'

test_expect_success 'a flipped byte in an object header: exit 1 naming it' '
	save_obj $two &&
	flip_byte $two 1 &&
	test_expect_code 1 mlw fsck >out &&
	test_grep "^$two: bad header" out &&
	restore_obj $two &&
	mlw fsck
'

test_expect_success 'a truncated object: exit 1 naming it' '
	save_obj $rnd &&
	f=$(obj $rnd) &&
	chmod u+w $f &&
	truncate -s $(($(wc -c <$f) - 1000)) $f &&
	test_expect_code 1 mlw fsck >out &&
	test_grep "^$rnd: truncated" out &&
	test $(wc -l <out) = 1 &&
	truncate -s 8 $f &&
	test_expect_code 1 mlw fsck >out &&
	test_grep "^$rnd: truncated header" out &&
	: >$f &&
	test_expect_code 1 mlw fsck >out &&
	test_grep "^$rnd: " out &&
	restore_obj $rnd &&
	mlw fsck
'

test_expect_success 'trailing garbage after an object: exit 1 naming it' '
	save_obj $two &&
	f=$(obj $two) &&
	chmod u+w $f &&
	echo junk >>$f &&
	test_expect_code 1 mlw fsck >out &&
	test_grep "^$two: trailing bytes" out &&
	restore_obj $two &&
	mlw fsck
'

test_expect_success 'an object stored under the wrong name: exit 1 naming it' '
	save_obj $two &&
	f=$(obj $two) &&
	chmod u+w $f &&
	cp $(obj $raw) $f &&
	test_expect_code 1 mlw fsck >out &&
	test_grep "^$two: content hashes to $raw" out &&
	restore_obj $two &&
	mlw fsck
'

test_expect_success 'a ref to an object whose file was deleted is named' '
	save_obj $txt &&
	rm -f $(obj $txt) &&
	test_expect_code 1 mlw fsck >out &&
	echo "$txt: missing (referenced by ref '\''data/text'\'')" >expect &&
	test_cmp expect out &&
	restore_obj $txt
'

test_expect_success 'a tree whose blob was deleted names the blob and the tree' '
	save_obj $two &&
	rm -f $(obj $two) &&
	test_expect_code 1 mlw fsck >out &&
	sub=$(mlw ls-tree $tree | grep "	sub$" | cut -d" " -f3) &&
	echo "$two: missing (blob '\''two'\'' in tree $sub)" >expect &&
	test_cmp expect out &&
	restore_obj $two &&
	mlw fsck
'

test_expect_success 'a tree whose subtree was deleted names the subtree' '
	sub=$(mlw ls-tree $tree | grep "	sub$" | cut -d" " -f3) &&
	save_obj $sub &&
	rm -f $(obj $sub) &&
	test_expect_code 1 mlw fsck >out &&
	echo "$sub: missing (tree '\''sub'\'' in tree $tree)" >expect &&
	test_cmp expect out &&
	restore_obj $sub &&
	mlw fsck
'

test_expect_success 'an object of the wrong type in a tree is named' '
	mkdir dir2 &&
	echo "a file" >dir2/x &&
	mkdir dir2/y &&
	echo z >dir2/y/z &&
	t2=$(mlw write-tree dir2) &&
	x=$(mlw hash-object dir2/x) &&
	y=$(mlw ls-tree $t2 | grep "	y$" | cut -d" " -f3) &&
	save_obj $y &&
	chmod u+w $(obj $y) &&
	cp $(obj $x) $(obj $y) &&
	test_expect_code 1 mlw fsck >out &&
	test_grep "^$y: " out &&
	restore_obj $y &&
	mlw fsck
'

test_expect_success '--connectivity-only misses a flipped content byte in a raw chunk' '
	save_obj $rnd &&
	flip_byte $rnd -10 &&
	mlw fsck --connectivity-only >out &&
	test_must_be_empty out &&
	test_expect_code 1 mlw fsck >out &&
	test_grep "^$rnd: content hashes to" out &&
	restore_obj $rnd
'

test_expect_success '--connectivity-only finds a missing object' '
	save_obj $two &&
	rm -f $(obj $two) &&
	test_expect_code 1 mlw fsck --connectivity-only >out &&
	test_grep "^$two: missing (blob '\''two'\'' in tree " out &&
	restore_obj $two &&
	save_obj $txt &&
	rm -f $(obj $txt) &&
	test_expect_code 1 mlw fsck --connectivity-only >out &&
	test_grep "^$txt: missing (referenced by ref '\''data/text'\'')" out &&
	restore_obj $txt &&
	mlw fsck --connectivity-only
'

test_expect_success '--connectivity-only still reads headers' '
	save_obj $txt &&
	flip_byte $txt 0 &&
	test_expect_code 1 mlw fsck --connectivity-only >out &&
	test_grep "^$txt: bad header" out &&
	restore_obj $txt
'

test_expect_success 'fsck -o json with problems' '
	save_obj $txt &&
	rm -f $(obj $txt) &&
	save_obj $rnd &&
	flip_byte $rnd -10 &&
	test_expect_code 1 mlw -o json fsck >out &&
	test_json_get out "[\"ok\"]" >v && echo False >expect && test_cmp expect v &&
	test_json_get out "[\"references\"]" >v && echo 3 >expect && test_cmp expect v &&
	test_json_get out "[\"trees\"]" >v && echo 4 >expect && test_cmp expect v &&
	test_json_get out "[\"objects\"]" >v &&
	find .mlw/objects -type f | wc -l >expect &&
	test $(cat v) = $(cat expect) &&
	/usr/bin/python3 -c "
import json, sys
doc = json.load(open(\"out\"))
assert sorted(doc) == [\"objects\", \"ok\", \"problems\", \"references\", \"trees\"], sorted(doc)
probs = sorted((p[\"object\"], p[\"problem\"]) for p in doc[\"problems\"])
assert all(sorted(p) == [\"object\", \"problem\"] for p in doc[\"problems\"])
want = sorted([(\"$txt\", \"missing (referenced by ref '\''data/text'\'')\"),
	       (\"$rnd\", probs[0][1] if probs[0][0] == \"$rnd\" else probs[1][1])])
assert probs == want, (probs, want)
assert any(p[1].startswith(\"content hashes to\") for p in probs), probs
" &&
	restore_obj $txt &&
	restore_obj $rnd &&
	mlw fsck
'

test_expect_success 'stray files in objects/ are not objects' '
	echo hi >.mlw/objects/README &&
	mkdir -p .mlw/objects/zz &&
	echo hi >.mlw/objects/zz/notanobject &&
	mlw fsck >out &&
	test_must_be_empty out &&
	rm -rf .mlw/objects/README .mlw/objects/zz
'

test_expect_success 'a damaged catalog is reported once, as the catalog' '
	# the WAL is kept between commands: fold it into the file first,
	# or page 1 would still be read from the WAL
	sqlite3 .mlw/mlw.db "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null &&
	cp .mlw/mlw.db saved.db &&
	head -c 100 /dev/zero | tr "\\0" x >garbage &&
	dd if=garbage of=.mlw/mlw.db bs=1 seek=0 conv=notrunc 2>/dev/null &&
	test_expect_code 1 mlw fsck >out 2>err &&
	test_grep "^catalog: .*not a database" out &&
	test_grep -v "catalog: catalog:" out &&
	test $(wc -l <out) = 1 &&
	cp saved.db .mlw/mlw.db &&
	mlw fsck
'

test_done
