#!/bin/sh
test_description='write-tree, ls-tree and checkout-tree'
. ./test-lib.sh

obj () {
	echo .mlw/objects/$(echo "$1" | cut -c1-2)/$(echo "$1" | cut -c3-)
}

# name, type, permissions and (for links) target of everything under $1
describe () {
	(cd "$1" && find . -path ./.git -prune -o -path ./.mlw -prune -o \
		-printf "%p %y %m %l %s\n") | LC_ALL=C sort
}

# describe without sizes of folders (which depend on the filesystem)
describe_files () {
	describe "$1" | awk "\$2 == \"d\" { \$NF = \"-\" } { print }"
}

test_expect_success 'setup: a folder with nested folders, modes, links, odd names' '
	mlw init >/dev/null &&
	mkdir -p src/code/lib src/data/raw src/empty src/code/empty-too &&
	echo "print(1)" >src/code/train.py &&
	printf "#!/bin/sh\necho run\n" >src/code/run.sh &&
	chmod 755 src/code/run.sh &&
	echo "def f(): pass" >src/code/lib/util.py &&
	head -c 2500000 /dev/urandom >src/data/raw/blob.bin &&
	seq 1 200000 >src/data/numbers.txt &&
	echo same >src/data/copy1 &&
	echo same >src/data/copy2 &&
	echo spaced >"src/data/with spaces.csv" &&
	printf "nl\n" >"src/data/new
line" &&
	ln -s train.py src/code/latest &&
	ln -s ../data/raw src/code/rawdir &&
	ln -s ../../outside-secret src/escape &&
	ln -s /etc/passwd src/abs-link &&
	ln -s does-not-exist src/dangling &&
	mkdir -p src/.git/objects src/sub-with-mlw/.mlw/objects &&
	echo "git stuff" >src/.git/HEAD &&
	echo "mlw stuff" >src/sub-with-mlw/.mlw/objects/x &&
	echo kept >src/sub-with-mlw/kept
'

test_expect_success 'write-tree prints a tree id and stores the tree' '
	mlw write-tree src >tree &&
	test $(wc -c <tree) = 65 &&
	t=$(cat tree) &&
	test -f $(obj $t) &&
	mlw cat-object -t $t >out &&
	echo tree >expect &&
	test_cmp expect out
'

test_expect_success 'ls-tree lists the top level, sorted, with modes, types, ids and sizes' '
	t=$(cat tree) &&
	mlw ls-tree $t >out &&
	cut -f2 out >names &&
	cat >expect <<-\EOF &&
	abs-link
	code
	dangling
	data
	empty
	escape
	sub-with-mlw
	EOF
	test_cmp expect names &&
	grep "	code$" out >line &&
	test_grep "^040000 tree [0-9a-f]\{64\} [0-9]*	code$" line &&
	grep "	empty$" out >line &&
	test_grep "^040000 tree [0-9a-f]\{64\} 0	empty$" line
'

test_expect_success '.git and .mlw folders are skipped' '
	mlw ls-tree -r $(cat tree) >out &&
	test_grep -v "\.git" out &&
	test_grep -v "\.mlw" out &&
	test_grep "	sub-with-mlw/kept$" out
'

test_expect_success 'symbolic links are recorded, not followed, even pointing outside' '
	mlw ls-tree $(cat tree) >out &&
	for l in abs-link escape dangling; do
		grep "	$l$" out >line &&
		test_grep "^120000 blob " line &&
		id=$(cut -d" " -f3 line) &&
		mlw cat-object -p $id >target &&
		printf "%s" "$(readlink src/$l)" >expect &&
		test_cmp expect target &&
		size=$(cut -d" " -f4 line | cut -f1) &&
		test $size = $(wc -c <expect) || return 1
	done
'

test_expect_success 'executable bit and file sizes are recorded' '
	mlw ls-tree -r $(cat tree) >out &&
	grep "	code/run.sh$" out >line &&
	test_grep "^100755 blob " line &&
	grep "	code/train.py$" out >line &&
	test_grep "^100644 blob " line &&
	grep "	data/raw/blob.bin$" out >line &&
	test_grep " 2500000	data/raw/blob.bin$" line &&
	id=$(cut -d" " -f3 line) &&
	sha256sum src/data/raw/blob.bin >sum &&
	test $id = $(cut -d" " -f1 sum)
'

test_expect_success 'a folder size is the total of everything beneath' '
	mlw ls-tree $(cat tree) >out &&
	size=$(grep "	data$" out | cut -d" " -f4 | cut -f1) &&
	total=$(find src/data -type f -printf "%s\n" | awk "{ s += \$1 } END { print s }") &&
	test "$size" = "$total"
'

test_expect_success 'ls-tree -r lists files with full paths, including odd names' '
	mlw ls-tree -r $(cat tree) >out &&
	test_grep "	data/with spaces.csv$" out &&
	test_grep "	data/new$" out &&
	test_grep "^line$" out &&
	test_grep "	code/lib/util.py$" out &&
	test_grep "	code/latest$" out &&
	test_grep -v "	code$" out
'

test_expect_success 'cat-object -p of a tree prints its listing; -t says tree' '
	mlw cat-object -p $(cat tree) >out &&
	mlw ls-tree $(cat tree) >expect &&
	test_cmp expect out &&
	mlw cat-object -s $(cat tree) >size &&
	test $(cat size) -gt 0
'

test_expect_success 'ls-tree -o json' '
	mlw -o json ls-tree $(cat tree) >out &&
	test_json_get out "[4]" >entry &&
	cat >expect <<-JSON &&
	{"mode": "040000", "type": "tree", "size": 0, "path": "empty",
	 "id": "$(mlw write-tree src/empty)"}
	JSON
	test_json_eq expect entry &&
	mlw -o json ls-tree -r $(cat tree) >out &&
	/usr/bin/python3 -c "
import json, sys
paths = [e[\"path\"] for e in json.load(open(\"out\"))]
assert \"data/new\nline\" in paths, paths
assert \"data/with spaces.csv\" in paths, paths
assert paths == sorted(paths, key=lambda p: p.split(\"/\")), paths
"
'

test_expect_success 'same content gives the same tree id; a copy elsewhere too' '
	mlw write-tree src >again &&
	test_cmp tree again &&
	cp -a src copy &&
	touch -d "2001-01-01" copy/code/train.py &&
	mlw write-tree copy >again &&
	test_cmp tree again
'

test_expect_success 'identical files are stored once' '
	mlw ls-tree -r $(cat tree) >out &&
	a=$(grep "	data/copy1$" out | cut -d" " -f3) &&
	b=$(grep "	data/copy2$" out | cut -d" " -f3) &&
	test "$a" = "$b"
'

test_expect_success 'a changed mode, link or content changes the id' '
	chmod 644 copy/code/run.sh &&
	mlw write-tree copy >t1 &&
	! test_cmp tree t1 &&
	chmod 755 copy/code/run.sh &&
	ln -sf elsewhere copy/dangling &&
	mlw write-tree copy >t2 &&
	! test_cmp tree t2 &&
	ln -sf does-not-exist copy/dangling &&
	mlw write-tree copy >t3 &&
	test_cmp tree t3 &&
	echo more >>copy/data/copy1 &&
	mlw write-tree copy >t4 &&
	! test_cmp tree t4
'

test_expect_success 'write-tree -o json' '
	mlw -o json write-tree src >out &&
	test_json_get out "[\"id\"]" >id &&
	test_cmp tree id &&
	test_json_get out "[\"files\"]" >files &&
	find src -path src/.git -prune -o -path "*/.mlw" -prune -o -type f -printf x >list &&
	wc -c <list | tr -d " " >expect &&
	test_cmp expect files
'

test_expect_success 'write-tree of a missing folder exits 3, of a file exits 2' '
	test_expect_code 3 mlw write-tree no-such-dir 2>err &&
	test_grep "no-such-dir" err &&
	test_expect_code 2 mlw write-tree src/code/train.py 2>err &&
	test_grep "train.py" err
'

test_expect_success 'ls-tree of a blob exits 2' '
	id=$(mlw hash-object src/code/train.py) &&
	test_expect_code 2 mlw ls-tree $id 2>err &&
	test_grep "is a blob, not a tree" err
'

test_expect_success 'write-tree skips a FIFO with a warning (and does not block on it)' '
	mkdir withfifo &&
	echo x >withfifo/x &&
	mkfifo withfifo/pipe &&
	mlw write-tree withfifo >id 2>err &&
	test_grep "warning: skipping .withfifo/pipe.: not a file, folder or symbolic link" err &&
	mlw ls-tree $(cat id) >out &&
	test_grep -v pipe out &&
	mlw -q write-tree withfifo >id2 2>err &&
	test_must_be_empty err &&
	test_cmp id id2
'

test_expect_success 'checkout-tree into a new folder reproduces content, modes and links' '
	mlw checkout-tree $(cat tree) out1 &&
	diff -r --no-dereference src/code out1/code &&
	diff -r --no-dereference src/data out1/data &&
	describe_files src >expect &&
	grep -v "sub-with-mlw/.mlw" expect >expect.nomlw &&
	describe_files out1 >actual &&
	test_cmp expect.nomlw actual &&
	test -d out1/empty &&
	test -d out1/code/empty-too &&
	test "$(readlink out1/escape)" = ../../outside-secret &&
	test "$(readlink out1/abs-link)" = /etc/passwd &&
	test ! -e outside-secret &&
	test ! -e out1/.git &&
	test ! -e out1/sub-with-mlw/.mlw
'

test_expect_success 'checkout-tree leaves no temporary folder beside the target' '
	ls -A >list &&
	test_grep -v "mlw-tmp" list
'

test_expect_success 'checkout-tree into missing nested folders creates them' '
	mlw checkout-tree $(cat tree) a/b/out2 &&
	diff -r --no-dereference out1 a/b/out2
'

test_expect_success 'checkout-tree into a new folder named with a trailing slash' '
	mlw checkout-tree $(cat tree) slash/ &&
	diff -r --no-dereference out1 slash &&
	mlw checkout-tree $(cat tree) slash2// &&
	diff -r --no-dereference out1 slash2 &&
	ls -A >list &&
	test_grep -v "mlw-tmp" list
'

test_expect_success 'checkout-tree into an existing empty folder, with a trailing slash' '
	mkdir slash3 &&
	mlw checkout-tree $(cat tree) slash3/ &&
	diff -r --no-dereference out1 slash3
'

test_expect_success 'checkout-tree into an existing empty folder' '
	mkdir out3 &&
	mlw checkout-tree $(cut -c1-10 tree) out3 &&
	describe_files out1 >expect &&
	describe_files out3 >actual &&
	test_cmp expect actual
'

test_expect_success 'checkout-tree into a non-empty folder exits 2 and writes nothing' '
	mkdir out4 &&
	echo mine >out4/keep &&
	describe out4 >before &&
	test_expect_code 2 mlw checkout-tree $(cat tree) out4 2>err &&
	test_grep "is not empty" err &&
	describe out4 >after &&
	test_cmp before after
'

test_expect_success 'checkout-tree onto a file exits 2' '
	echo x >afile &&
	test_expect_code 2 mlw checkout-tree $(cat tree) afile 2>err &&
	test_grep "not a folder" err &&
	echo x >expect &&
	test_cmp expect afile
'

test_expect_success 'checkout-tree of a blob exits 2' '
	id=$(mlw hash-object src/code/train.py) &&
	test_expect_code 2 mlw checkout-tree $id out5 2>err &&
	test_grep "not a tree" err &&
	test ! -e out5
'

test_expect_success 'checkout-tree --read-only makes files and folders read-only' '
	mlw checkout-tree --read-only $(cat tree) ro &&
	test "$(stat -c %a ro)" = 555 &&
	test "$(stat -c %a ro/code)" = 555 &&
	test "$(stat -c %a ro/code/train.py)" = 444 &&
	test "$(stat -c %a ro/code/run.sh)" = 555 &&
	find ro -perm /222 ! -type l >writable &&
	test_must_be_empty writable &&
	diff -r --no-dereference out1 ro &&
	chmod -R u+w ro
'

test_expect_success 'setup: a tree whose blob gets corrupted' '
	mkdir victim &&
	echo "precious content" >victim/a &&
	echo "more content" >victim/b &&
	mkdir victim/sub &&
	echo "deep content" >victim/sub/c &&
	mlw write-tree victim >vtree &&
	id=$(mlw hash-object victim/sub/c) &&
	f=$(obj $id) &&
	chmod u+w $f &&
	size=$(wc -c <$f) &&
	printf "X" | dd of=$f bs=1 seek=$((size - 3)) conv=notrunc 2>/dev/null &&
	chmod 444 $f
'

test_expect_success 'checkout-tree of a corrupt tree exits 128 and leaves no target' '
	test_expect_code 128 mlw checkout-tree $(cat vtree) vout 2>err &&
	test_grep "corrupt" err &&
	test ! -e vout &&
	ls -A >list &&
	test_grep -v "mlw-tmp" list
'

test_expect_success 'checkout-tree of a corrupt tree into an empty folder leaves it empty' '
	mkdir vout2 &&
	test_expect_code 128 mlw checkout-tree $(cat vtree) vout2 2>err &&
	test_grep "corrupt" err &&
	test -d vout2 &&
	ls -A vout2 >list &&
	test_must_be_empty list
'

# a failed --read-only checkout must clean up folders it already made
# read-only, which only matters when not running as root
test_expect_success ROOT_SETPRIV 'setup: a tree with a corrupt blob after a complete folder, owned by nobody' '
	priv=$(mktemp -d /tmp/mlw-t1200.XXXXXX) &&
	echo $priv >privdir &&
	chmod 755 $priv &&
	mkdir -p $priv/src/a-first $priv/src/b-second &&
	echo first >$priv/src/a-first/f &&
	echo second >$priv/src/b-second/s &&
	(cd $priv && mlw init >/dev/null && mlw write-tree src >tree) &&
	id=$(mlw hash-object $priv/src/b-second/s) &&
	f=$priv/$(obj $id) &&
	chmod u+w $f &&
	size=$(wc -c <$f) &&
	printf "X" | dd of=$f bs=1 seek=$((size - 2)) conv=notrunc 2>/dev/null &&
	chmod 444 $f &&
	chown -R 65534:65534 $priv
'

test_expect_success ROOT_SETPRIV 'a failed --read-only checkout (not root) leaves nothing behind' '
	priv=$(cat privdir) &&
	(
		cd $priv &&
		test_expect_code 128 setpriv --reuid=65534 --regid=65534 --clear-groups \
			mlw checkout-tree --read-only $(cat tree) out 2>err &&
		test_grep "corrupt" err &&
		test ! -e out &&
		ls -A >list &&
		test_grep -v "mlw-tmp" list &&
		mkdir empty && chown 65534:65534 empty &&
		test_expect_code 128 setpriv --reuid=65534 --regid=65534 --clear-groups \
			mlw checkout-tree --read-only $(cat tree) empty 2>err &&
		ls -A empty >list &&
		test_must_be_empty list
	) &&
	rm -rf $priv
'

test_expect_success SANITY 'a failed --read-only checkout (not root) leaves nothing behind' '
	mkdir -p ro-src/a-first ro-src/b-second &&
	echo first >ro-src/a-first/f &&
	echo second-ro >ro-src/b-second/s &&
	mlw write-tree ro-src >rotree &&
	id=$(mlw hash-object ro-src/b-second/s) &&
	f=$(obj $id) &&
	chmod u+w $f &&
	size=$(wc -c <$f) &&
	printf "X" | dd of=$f bs=1 seek=$((size - 2)) conv=notrunc 2>/dev/null &&
	chmod 444 $f &&
	test_expect_code 128 mlw checkout-tree --read-only $(cat rotree) roout 2>err &&
	test_grep "corrupt" err &&
	test ! -e roout &&
	ls -A >list &&
	test_grep -v "mlw-tmp" list
'

test_expect_success 'checkout-tree with a missing blob exits non-zero and leaves no target' '
	mkdir victim2 &&
	echo "will vanish" >victim2/gone &&
	mlw write-tree victim2 >v2tree &&
	rm -f $(obj $(mlw hash-object victim2/gone)) &&
	test_must_fail mlw checkout-tree $(cat v2tree) vout3 2>err &&
	test_grep "not found" err &&
	test ! -e vout3
'

test_done
