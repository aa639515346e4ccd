#!/bin/sh
test_description='a blob whose bytes are a tree serialisation is that tree'
. ./test-lib.sh

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

test_done
