#!/bin/sh
test_description='bad input and faults: missing, unreadable, changing files, full disk'
. ./test-lib.sh

# every file under objects/ (objects and temp files), sorted
store_files () {
	find .mlw/objects -type f | sort
}

test_expect_success 'setup' '
	mlw init >/dev/null &&
	echo good >good &&
	head -c 3000000 /dev/urandom >big &&
	store_files >empty-store &&
	test_must_be_empty empty-store
'

test_expect_success 'a missing path exits 3 naming it; nothing stored' '
	test_expect_code 3 mlw hash-object -w nosuch >out 2>err &&
	test_must_be_empty out &&
	test_grep "cannot open .nosuch.: No such file or directory" err &&
	test_expect_code 3 mlw hash-object nosuch 2>err &&
	store_files >after &&
	test_must_be_empty after
'

test_expect_success 'one missing path among several stores none of them' '
	test_expect_code 3 mlw hash-object -w good big nosuch >out 2>err &&
	test_must_be_empty out &&
	test_grep "nosuch" err &&
	store_files >after &&
	test_must_be_empty after
'

test_expect_success 'a directory where a file is expected exits 2' '
	mkdir adir &&
	test_expect_code 2 mlw hash-object -w adir >out 2>err &&
	test_must_be_empty out &&
	test_grep "is a directory" err &&
	test_expect_code 2 mlw hash-object adir 2>err &&
	test_grep "is a directory" err &&
	store_files >after &&
	test_must_be_empty after
'

test_expect_success 'a file where a folder is expected exits 2' '
	test_expect_code 2 mlw write-tree good 2>err &&
	test_grep "good" err &&
	store_files >after &&
	test_must_be_empty after
'

# a copy of the workspace owned by nobody, so only the file is unreadable
test_expect_success ROOT_SETPRIV 'setup: a workspace copy owned by nobody' '
	priv=$(mktemp -d /tmp/mlw-t1500.XXXXXX) &&
	echo $priv >privdir &&
	chmod 755 $priv &&
	cp -a .mlw $priv/ &&
	echo "secret" >$priv/secret &&
	echo "open" >$priv/open &&
	mkdir $priv/tree && echo fine >$priv/tree/fine &&
	echo "secret too" >$priv/tree/secret &&
	chown -R 65534:65534 $priv &&
	chown 0:0 $priv/secret $priv/tree/secret &&
	chmod 600 $priv/secret $priv/tree/secret
'

as_nobody () {
	(cd "$(cat privdir)" &&
	 setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@")
}

test_expect_success ROOT_SETPRIV 'an unreadable file (as root via setpriv): clear error, nothing stored' '
	as_nobody mlw hash-object -w open >out &&
	test_file_not_empty out &&
	test_expect_code 128 as_nobody mlw hash-object -w secret >out 2>err &&
	test_must_be_empty out &&
	test_grep "cannot open .secret.: Permission denied" err &&
	(cd $(cat privdir) && find .mlw/objects -type f) >list &&
	test $(wc -l <list) = 1
'

test_expect_success ROOT_SETPRIV 'an unreadable file in a folder: write-tree fails, no tree' '
	test_expect_code 128 as_nobody mlw write-tree tree >out 2>err &&
	test_must_be_empty out &&
	test_grep "secret.*Permission denied" err &&
	(cd $(cat privdir) && find .mlw/objects -type f) >list &&
	test $(wc -l <list) = 1 &&
	as_nobody mlw fsck &&
	rm -rf "$(cat privdir)"
'

test_expect_success ROOT_SETPRIV 'a store nobody may write to: exit 128, clear error, nothing left' '
	priv=$(mktemp -d /tmp/mlw-t1500.XXXXXX) &&
	chmod 755 $priv &&
	(cd $priv && mlw init >/dev/null) &&
	echo data >$priv/data &&
	chmod 644 $priv/data &&
	(
		cd $priv &&
		test_expect_code 128 setpriv --reuid=65534 --regid=65534 --clear-groups \
			mlw hash-object -w data >out 2>err &&
		test_must_be_empty out &&
		test_grep "cannot create a temporary object in .*Permission denied" err &&
		find .mlw/objects -type f >list &&
		test_must_be_empty list &&
		setpriv --reuid=65534 --regid=65534 --clear-groups mlw hash-object data >id &&
		sha256sum data | cut -d" " -f1 >expect &&
		test_cmp expect id
	) &&
	rm -rf $priv
'

test_expect_success SANITY 'an unreadable file (not root): clear error, nothing stored' '
	echo secret >secret &&
	chmod 000 secret &&
	test_expect_code 128 mlw hash-object -w secret >out 2>err &&
	test_must_be_empty out &&
	test_grep "cannot open .secret.: Permission denied" err &&
	store_files >after &&
	test_must_be_empty after &&
	mkdir tree && echo fine >tree/fine && mv secret tree/ &&
	test_expect_code 128 mlw write-tree tree >out 2>err &&
	test_grep "secret.*Permission denied" err &&
	store_files >after &&
	test_must_be_empty after &&
	chmod 644 tree/secret
'

# change_while_read FILE ACTION COMMAND...: run COMMAND in the background,
# wait until it has FILE open, let it read a little, then run ACTION; the
# status is COMMAND's.  Output goes to out and err.
change_while_read () {
	file=$1 action=$2
	shift 2
	"$@" >out 2>err &
	pid=$!
	n=0 &&
	while ! ls -l /proc/$pid/fd 2>/dev/null | grep -q "/$file\$"; do
		n=$((n + 1))
		test $n -lt 3000 || break
		sleep 0.01
	done
	sleep 0.3
	eval "$action"
	wait $pid
}

test_expect_success 'setup: an 8 MiB file to change while it is read' '
	head -c 8388608 /dev/urandom >changing.orig &&
	mlw hash-object changing.orig >orig.id
'

test_expect_success 'a file truncated mid-read: "changed while being read", nothing stored' '
	cp changing.orig changing &&
	change_while_read changing "truncate -s 3000000 changing" \
		env MLW_TEST_READ_DELAY_MS=200 mlw hash-object -w changing
	test $? = 128 &&
	test_must_be_empty out &&
	test_grep "changing. changed while being read" err &&
	store_files >after &&
	test_must_be_empty after
'

test_expect_success 'a file that grows mid-read: "changed while being read", nothing stored' '
	cp changing.orig changing &&
	change_while_read changing "head -c 2000000 /dev/urandom >>changing" \
		env MLW_TEST_READ_DELAY_MS=200 mlw hash-object -w changing
	test $? = 128 &&
	test_grep "changing. changed while being read" err &&
	store_files >after &&
	test_must_be_empty after
'

test_expect_success 'a file truncated mid-read inside write-tree: no tree, nothing stored' '
	mkdir snap &&
	cp changing.orig snap/changing &&
	echo small >snap/small &&
	change_while_read snap/changing "truncate -s 5000000 snap/changing" \
		env MLW_TEST_READ_DELAY_MS=200 mlw write-tree snap
	test $? = 128 &&
	test_must_be_empty out &&
	test_grep "changed while being read" err &&
	store_files >after &&
	test_must_be_empty after
'

test_expect_success 'no temp file is left; gc --prune=now finds none; fsck clean' '
	mlw -o json gc --prune=now >out &&
	test_json_get out "[\"removed_temp_files\"]" >v &&
	echo 0 >expect &&
	test_cmp expect v &&
	mlw fsck >out &&
	test_must_be_empty out
'

test_expect_success 'the unchanged file then stores with the right id' '
	cp changing.orig changing &&
	MLW_TEST_READ_DELAY_MS=1 mlw hash-object -w changing >out &&
	test_cmp orig.id out &&
	mlw cat-object -p $(cat out) >back &&
	cmp changing.orig back &&
	rm -f back
'

test_expect_success 'SIGINT mid-write: exit 130, temp file removed, nothing stored' '
	store_files >before &&
	cp changing.orig sigfile &&
	change_while_read sigfile "kill -INT \$pid" \
		env MLW_TEST_READ_DELAY_MS=200 mlw hash-object -w sigfile
	test $? = 130 &&
	store_files >after &&
	test_cmp before after
'

test_expect_success 'SIGTERM mid-write of a folder: temp files removed, nothing stored' '
	store_files >before &&
	mkdir sigdir &&
	echo small >sigdir/a-small &&
	cp changing.orig sigdir/b-big &&
	change_while_read sigdir/b-big "kill -TERM \$pid" \
		env MLW_TEST_READ_DELAY_MS=200 mlw write-tree sigdir
	test $? = 143 &&
	store_files >after &&
	test_cmp before after
'

test_expect_success 'setup: a 20 MiB incompressible file' '
	head -c 20971520 /dev/urandom >huge &&
	mlw hash-object huge >huge.id &&
	store_files >before
'

# ulimit -f counts 512-byte blocks in dash and 1024 in bash: both are far
# below 20 MiB and above the catalog's size
test_expect_success 'a full disk (ulimit -f) while storing 20 MiB: exit 128, nothing visible' '
	(
		ulimit -f 8192 &&
		test_expect_code 128 mlw hash-object -w huge >out 2>err
	) &&
	test_must_be_empty out &&
	test_grep "cannot write .*File too large" err &&
	store_files >after &&
	test_cmp before after &&
	test ! -e .mlw/objects/$(cut -c1-2 huge.id)/$(cut -c3- huge.id)
'

test_expect_success 'a full disk while snapshotting a folder: exit 128, nothing visible' '
	mkdir hugedir &&
	cp huge hugedir/ &&
	echo small >hugedir/small &&
	(
		ulimit -f 8192 &&
		test_expect_code 128 mlw write-tree hugedir >out 2>err
	) &&
	test_must_be_empty out &&
	test_grep "File too large" err &&
	store_files >after &&
	test_cmp before after
'

test_expect_success 'after the full disk: fsck clean, no temp file after gc --prune=now' '
	mlw fsck >out &&
	test_must_be_empty out &&
	mlw gc --prune=now &&
	find .mlw/objects -name "tmp_*" >tmps &&
	test_must_be_empty tmps
'

test_expect_success 'with room again the same content stores with the right id' '
	mlw hash-object -w huge >out &&
	test_cmp huge.id out &&
	mlw fsck
'

test_expect_success 'a path under a regular file is a usage error (2), not a fault' '
	test_expect_code 2 mlw hash-object -w good/sub 2>err &&
	test_grep "cannot open .good/sub.: Not a directory" err &&
	test_expect_code 2 mlw write-tree good/sub 2>err &&
	test_expect_code 2 mlw init -q good/sub 2>err &&
	test_grep "good.: Not a directory" err &&
	test_expect_code 2 mlw -C good/sub hash-object good 2>err &&
	test_grep "cannot change to .good/sub.: Not a directory" err &&
	test_expect_code 3 mlw -C nosuch hash-object good 2>err &&
	tree=$(mlw write-tree adir) &&
	test_expect_code 2 mlw checkout-tree $tree good/sub 2>err &&
	test_grep "good/sub" err &&
	test_expect_code 2 mlw checkout-tree $tree good/sub/deeper 2>err &&
	ln -s nowhere dangling &&
	test_expect_code 2 mlw checkout-tree $tree dangling 2>err &&
	test_grep "error: .dangling. is a symbolic link that leads nowhere" err &&
	test ! -e nowhere &&
	echo good >expect && test_cmp expect good
'

test_expect_success 'so is one given to train, score and job create; a missing folder is 3' '
	data=$MLW_BUILD_DIR/share/datasets/diabetes.csv &&
	test_expect_code 2 mlw train ridge --data good/d.csv --target y 2>err &&
	test_grep "cannot open .good/d.csv.: Not a directory" err &&
	test_expect_code 2 mlw train ridge --data $data --target target \
		--validation-data good/v.csv 2>err &&
	test_expect_code 2 mlw train ridge --data $data --target target \
		--predictions good/p.csv 2>err &&
	test_grep "cannot write .good/p.csv.: Not a directory" err &&
	test_expect_code 2 mlw train ridge --data $data --target target \
		--output good/m 2>err &&
	test_expect_code 2 mlw train ridge --data $data --target target \
		--output good 2>err &&
	mlw train ridge --data $data --target target --output m >/dev/null &&
	test_expect_code 2 mlw model score m --input good/i.csv \
		--output o.csv 2>err &&
	test_expect_code 2 mlw model score m --input $data \
		--output good/o.csv 2>err &&
	test_expect_code 3 mlw model score m --input $data \
		--output nosuch/o.csv 2>err &&
	test_grep "nosuch/o.csv.: No such file" err &&
	test_expect_code 2 mlw job create -f good/j.yml 2>err &&
	test_expect_code 2 mlw job validate -f good/j.yml 2>err &&
	test_grep "cannot open .good/j.yml.: Not a directory" err &&
	echo good >expect && test_cmp expect good
'

test_done
