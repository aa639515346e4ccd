#!/bin/sh
test_description='model files are untrusted: every count, index and offset of params.bin and MLmodel is checked'
. ./test-lib.sh

DATA=$MLW_BUILD_DIR/share/datasets

test_expect_success PYTHON 'set up a model with a categorical input, and a crafter' '
	printf "color,x,y\nred,1,2\nblue,2,4\nred,3,6\ngreen,4,8\nblue,5,9\nred,6,11\n" >cat.csv &&
	mlw train ridge --data cat.csv --target y --output good >/dev/null &&
	printf "color,x\nred,2\n,3\nblue,\n" >new.csv &&
	mlw model score good --input new.csv --output expect.csv &&
	cat >craft.py <<-\PY
	# craft.py IN OUT FIELD VALUE: params.bin with one field changed
	import struct, sys
	data = bytearray(open(sys.argv[1], "rb").read())
	field, value = sys.argv[3], sys.argv[4]
	pos = 8
	def take(fmt):
	    global pos
	    v = struct.unpack_from("<" + fmt, data, pos)[0]
	    at = pos
	    pos += struct.calcsize("<" + fmt)
	    return v, at
	where = {}
	where["format_version"] = take("I")[1]
	where["algorithm"] = take("I")[1]
	p, where["nr_features"] = take("Q")
	k, where["nr_outputs"] = take("Q")
	pos += 8 * p * k + 8 * k
	std, where["standardize"] = take("I")
	if std:
	    pos += 16 * p
	nin, where["nr_inputs"] = take("Q")
	n, at = take("I")
	pos += n
	where["input.type"] = take("I")[1]
	where["input.fill"] = take("d")[1]
	where["input.first"] = take("Q")[1]
	where["input.nr_categories"] = take("Q")[1]
	at = where.get(field)
	if field == "truncate":
	    data = data[:int(value)]
	elif field == "input.fill":
	    struct.pack_into("<d", data, at, float(value))
	elif field in ("format_version", "algorithm", "standardize", "input.type"):
	    struct.pack_into("<I", data, at, int(value, 0))
	else:
	    struct.pack_into("<Q", data, at, int(value, 0))
	open(sys.argv[2], "wb").write(data)
	PY
'

# craft FIELD VALUE: a copy of the good model with that field changed
craft () {
	rm -rf bad && cp -R good bad &&
	/usr/bin/python3 craft.py good/params.bin bad/params.bin "$1" "$2"
}

# the crafted model is refused, exit 2, naming the field; no output left
refused () {
	test_expect_code 2 mlw model score bad --input new.csv --output out.csv 2>err &&
	test_grep "bad/params.bin. is damaged: field .$1." err &&
	! test -e out.csv
}

test_expect_success PYTHON 'the crafter leaves a good file good' '
	craft input.fill 2 &&
	mlw model score bad --input new.csv --output got.csv &&
	test_cmp expect.csv got.csv
'

while read field value what; do
	test_expect_success PYTHON "$what is refused, never trusted" "
		craft $field $value &&
		refused $field
	"
done <<-\EOF
input.fill 7 a category index past the categories
input.fill 1e300 a fill of 1e300 (no float-to-integer overflow)
input.fill -1 a negative category index
input.fill 1.5 a fractional category index
input.fill nan a NaN category index
input.first 0xffffffffffffffff a first offset of 2^64-1
input.first 2 an offset that breaks the columns
input.nr_categories 0x7fffffffffffffff a category count past the file
input.type 9 an unknown column type
nr_inputs 0x1000000000000000 an input count past the file
nr_features 0x2000000000000001 a feature count past the file
standardize 5 a standardize flag of 5
EOF

test_expect_success PYTHON 'two decision functions for a regression are refused' '
	craft nr_outputs 2 &&
	test_expect_code 2 mlw model score bad --input new.csv --output out.csv 2>err &&
	test_grep "is damaged: field" err
'

test_expect_success PYTHON 'a truncated file names where it ends' '
	craft truncate 60 &&
	test_expect_code 2 mlw model score bad --input new.csv --output out.csv 2>err &&
	test_grep "is damaged: field" err &&
	test_grep "field .coef.: 4 x 1 values, 28 bytes left" err
'

test_expect_success PYTHON 'an unknown algorithm or version is refused' '
	craft algorithm 99 &&
	refused algorithm &&
	craft format_version 2 &&
	refused format_version &&
	craft format_version 7 &&
	test_expect_code 2 mlw model score bad --input new.csv --output out.csv 2>err &&
	test_grep "format version 7; this mlw reads 1 to 2" err
'

test_expect_success 'bytes after the last field are refused' '
	rm -rf bad && cp -R good bad &&
	printf x >>bad/params.bin &&
	refused end
'

test_expect_success 'classes and decision functions must agree' '
	mlw train logistic --data $DATA/iris.csv --target species --output lg >/dev/null &&
	rm -rf bad && cp -R lg bad &&
	/usr/bin/python3 -c "
import struct
d = bytearray(open(\"bad/params.bin\", \"rb\").read())
# the last class string: drop it and say 2 classes
n = struct.unpack_from(\"<I\", d, len(d) - 13)[0]
assert d[-9:] == b\"virginica\"
d = d[:-13]
struct.pack_into(\"<Q\", d, len(d) - 4 - 6 - 4 - 10 - 8, 2)
open(\"bad/params.bin\", \"wb\").write(d)
" &&
	refused nr_outputs
'

test_expect_success 'every algorithm refuses a damaged block' '
	for a in "kernel_ridge --data $DATA/diabetes.csv --target target" \
		 "lda --data $DATA/iris.csv --target species" \
		 "gaussian_nb --data $DATA/iris.csv --target species" \
		 "kmeans --data $DATA/iris.csv --exclude species --n-clusters 3" \
		 "pca --data $DATA/iris.csv --exclude species"; do
		rm -rf m bad &&
		mlw train $a --output m >/dev/null 2>&1 &&
		size=$(wc -c <m/params.bin) &&
		for cut in 33 41 49 57 65 81 $((size / 2)) $((size - 9)); do
			cp -R m bad &&
			head -c $cut m/params.bin >bad/params.bin &&
			test_expect_code 2 mlw model score bad --input $DATA/iris.csv \
				--output out.csv 2>err &&
			test_grep "is damaged\|not an mlw params file" err &&
			rm -rf bad || return 1
		done
	done
'

test_done
