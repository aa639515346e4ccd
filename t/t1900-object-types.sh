#!/bin/sh
test_description='a blob whose bytes are a tree serialisation is that tree'
. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-store.sh

test_expect_success 'a tree stored first as a blob is upgraded by write-tree' '
	mlw init -q &&
	mkdir d &&
	echo hi >d/a &&
	blob=$(mlw hash-object d/a) &&
	printf "mlw tree 1\n100644 %s 3 a\0" "$blob" >blobtree &&
	id=$(mlw hash-object -w blobtree) &&
	echo blob >expect &&
	mlw cat-object -t "$id" >actual &&
	test_cmp expect actual &&
	tree=$(mlw write-tree d) &&
	test "$tree" = "$id" &&
	echo tree >expect &&
	mlw cat-object -t "$tree" >actual &&
	test_cmp expect actual &&
	mlw ls-tree "$tree" >out &&
	test_grep "	a$" out
'

test_expect_success 'gc keeps the blobs of that tree and fsck is clean' '
	mlw update-ref snap "$tree" &&
	mlw gc --prune=now &&
	mlw fsck &&
	mlw checkout-tree "$tree" restored &&
	test_cmp d/a restored/a
'

test_expect_success 'a missing object inside a tree is corruption (128), not not-found' '
	rm -f ".mlw/objects/$(echo $blob | cut -c1-2)/$(echo $blob | cut -c3-)" &&
	test_expect_code 128 mlw checkout-tree "$tree" out2 &&
	test ! -e out2 &&
	test_expect_code 1 mlw fsck >out &&
	test_grep "$blob" out
'

# a tree object stored as it is written, whatever its entries claim
store_tree () {
	printf "mlw tree 1\n$1" >crafted &&
	put_raw_object tree crafted
}

test_expect_success PYTHON 'setup: a blob and a tree to point crafted trees at' '
	mlw hash-object -w d/a >/dev/null &&
	mlw fsck &&
	printf "12345" >five &&
	five=$(mlw hash-object -w five) &&
	mkdir sub && printf "12345" >sub/f &&
	sub=$(mlw write-tree sub) &&
	good=$(store_tree "100644 $five 5 f\0") &&
	mlw checkout-tree $good good &&
	test_cmp five good/f
'

test_expect_success PYTHON 'a file entry whose size is not its blob'\''s: fsck names it, checkout 128' '
	bad=$(store_tree "100644 $five 999 f\0") &&
	test "$(mlw cat-object -t $bad)" = tree &&
	mlw update-ref badsize $bad &&
	test_expect_code 1 mlw fsck >out &&
	test_grep "^$five: holds 5 bytes but tree $bad says .f. holds 999" out &&
	test_expect_code 128 mlw checkout-tree $bad out1 2>err &&
	test_grep "holds 999 bytes, its blob 5" err &&
	test ! -e out1 &&
	mlw update-ref -d badsize
'

test_expect_success PYTHON 'a folder entry whose size is not its tree'\''s total: fsck, checkout 128' '
	bad=$(store_tree "040000 $sub 7 d\0") &&
	mlw update-ref badsize $bad &&
	test_expect_code 1 mlw fsck >out &&
	test_grep "^$sub: holds 5 bytes but tree $bad says .d. holds 7" out &&
	test_expect_code 128 mlw checkout-tree $bad out2 2>err &&
	test_grep "its entries hold 5 bytes, its parent says 7" err &&
	test ! -e out2 &&
	test_expect_code 128 mlw ls-tree -r $bad 2>err &&
	mlw update-ref -d badsize
'

test_expect_success PYTHON 'a folder entry naming a blob and a file entry naming a tree are both 128' '
	bad=$(store_tree "040000 $five 5 d\0") &&
	test_expect_code 128 mlw checkout-tree $bad out3 2>err &&
	test_grep "not a tree" err &&
	test ! -e out3 &&
	bad2=$(store_tree "100644 $sub 5 f\0") &&
	test_expect_code 128 mlw checkout-tree $bad2 out4 2>err &&
	test_grep "not a blob" err &&
	test ! -e out4 &&
	mlw update-ref b1 $bad && mlw update-ref b2 $bad2 &&
	test_expect_code 1 mlw fsck >out &&
	test_grep "^$five: is a blob but tree $bad lists .d. as a tree" out &&
	test_grep "^$sub: is a tree but tree $bad2 lists .f. as a blob" out &&
	mlw update-ref -d b1 && mlw update-ref -d b2
'

test_done
