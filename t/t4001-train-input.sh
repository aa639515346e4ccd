#!/bin/sh
test_description='mlw train: bad input is refused before training, named precisely'
. ./test-lib.sh

DATA=$MLW_BUILD_DIR/share/datasets

test_expect_success 'a missing target column is a usage error' '
	test_expect_code 2 mlw train ridge --data $DATA/diabetes.csv --target nope 2>err &&
	test_grep "has no column .nope." err
'

test_expect_success 'a missing file exits 3' '
	test_expect_code 3 mlw train ridge --data absent.csv --target y 2>err &&
	test_grep "absent.csv" err
'

test_expect_success 'an all-missing feature column is named' '
	printf "a,b,y\n1,,2\n2,NA,3\n3,,5\n" >allnan.csv &&
	test_expect_code 2 mlw train linear --data allnan.csv --target y 2>err &&
	test_grep "column .b. has no values" err &&
	mlw train linear --data allnan.csv --target y --exclude b >out &&
	test_grep "^train_r2_score" out
'

test_expect_success 'one row is not enough' '
	printf "a,y\n1,2\n" >one.csv &&
	test_expect_code 2 mlw train ridge --data one.csv --target y 2>err &&
	test_grep "1 training row: at least 2" err
'

test_expect_success 'one class only' '
	printf "a,y\n1,x\n2,x\n3,x\n" >oneclass.csv &&
	test_expect_code 2 mlw train logistic --data oneclass.csv --target y 2>err &&
	test_grep "only one class (.x.)" err
'

test_expect_success 'a column of numbers and text is never a reason to refuse the file' '
	printf "a,b,y\nX1,1,0\n2,2,1\n3,3,0\n4,4,1\n" >mix.csv &&
	mlw train logistic --data mix.csv --target y --exclude a >out 2>err &&
	test_grep "^train_accuracy" out &&
	! grep "warning" err &&
	mlw train logistic --data mix.csv --target y --features b >/dev/null 2>err &&
	! grep "warning" err
'

test_expect_success 'used, it is categorical, with a warning naming it, the row and the fix' '
	printf "a,b,y\n1,2,3\n4,5,6\n7,oops,9\n1,1,1\n" >text.csv &&
	mlw train ridge --data text.csv --target y -o json >text.json 2>err &&
	test_grep "warning: column .b. holds numbers and text (.oops. at text.csv:4): it is categorical, one feature per value (4); fix that value, or leave the column out with --exclude" err &&
	test_json_get text.json "[\"features\"]" >n &&
	echo 5 >expect &&
	test_cmp expect n
'

test_expect_success CORPUS 'Azure titanic.csv trains as a plain file' '
	titanic=$SHARED_DIRECTORY/corpus/cli/assets/data/sample-data/titanic.csv &&
	mlw train logistic --data $titanic --target Survived --max-iter 1000 \
		--cv 3 -o json >titanic.json 2>err &&
	test_grep "column .Ticket. holds numbers and text" err &&
	test_json_get titanic.json "[\"rows\"]" >rows &&
	echo 891 >expect &&
	test_cmp expect rows &&
	mlw train logistic --data $titanic --target Survived \
		--exclude PassengerId,Name,Ticket,Cabin >out 2>err &&
	! grep "holds numbers and text" err &&
	test_grep "^train_accuracy" out
'

test_expect_success 'infinite values are refused with their position when used' '
	printf "a,b,y\n1,5,2\n-Infinity,6,3\n2,7,1\n" >inf.csv &&
	test_expect_code 2 mlw train ridge --data inf.csv --target y 2>err &&
	test_grep "inf.csv:3:1: infinite value .-Infinity. (column .a.)" err &&
	mlw train ridge --data inf.csv --target y --exclude a >out &&
	test_grep "^train_r2_score" out &&
	test_expect_code 2 mlw train ridge --data inf.csv --target a 2>err &&
	test_grep "infinite value" err &&
	printf "a,b,y\n1,5,2\n2,6,3\n3,7,1\n" >fine.csv &&
	test_expect_code 2 mlw train ridge --data fine.csv --target y \
		--validation-data inf.csv 2>err &&
	test_grep "inf.csv:3:1: infinite value" err
'

test_expect_success 'what is said of a data asset names it, not its restored copy' '
	mlw init -q &&
	mlw data create -n infdata -p inf.csv -t uri_file -o none &&
	test_expect_code 2 mlw train ridge --data infdata --target y 2>err &&
	test_grep "error: infdata/inf.csv:3:1: infinite value .-Infinity. (column .a.)" err &&
	mlw data create -n textdata -p text.csv -t uri_file -o none &&
	mlw train ridge --data azureml:textdata:1 --target y >/dev/null 2>err &&
	test_grep "(.oops. at azureml:textdata:1/text.csv:4)" err &&
	! grep mlw-input err
'

test_expect_success 'an option the algorithm does not take is a usage error naming those it takes' '
	test_expect_code 2 mlw train linear --data $DATA/diabetes.csv \
		--target target --alpha 5 2>err &&
	test_grep "error: --alpha does not apply to linear (linear takes no hyperparameters)" err &&
	test_expect_code 2 mlw train logistic --data $DATA/iris.csv \
		--target species --alpha 5 2>err &&
	test_grep "error: --alpha does not apply to logistic (logistic takes --C, --max-iter, --tol, --class-weight)" err &&
	test_expect_code 2 mlw train ridge --data $DATA/diabetes.csv \
		--target target --max-iter 10 2>err &&
	test_grep "does not apply to ridge (ridge takes --alpha)" err &&
	test_expect_code 2 mlw train kmeans --data $DATA/iris.csv \
		--exclude species --whiten 2>err &&
	test_grep "does not apply to kmeans (kmeans takes --n-clusters, --n-init, --max-iter, --tol)" err
'

# every hyperparameter option of -h against every algorithm: taken where
# -h says it applies (then the missing file is the error, 3), else a
# usage error naming the algorithm (2)
test_expect_success 'every algorithm refuses every option -h does not give it' '
	mlw train -h >help 2>&1 &&
	sed -n "s/^    --\([A-Za-z0-9-]*\) .*(\([a-z_, ]*\))\$/\1 \2/p" help |
		tr -d , >applies &&
	test $(wc -l <applies) = 17 &&
	for algo in linear ridge lasso elastic_net logistic kernel_ridge \
		    lda gaussian_nb kmeans pca
	do
		case $algo in
		kmeans|pca) args= ;;
		*) args="--target y" ;;
		esac &&
		while read -r opt algos
		do
			case $opt in
			whiten) val= ;;
			kernel) val=rbf ;;
			class-weight) val=balanced ;;
			solver) val=lsqr ;;
			shrinkage) val="0.5 --solver lsqr" ;;
			*) val=1 ;;
			esac &&
			case " $algos " in
			*" $algo "*) want=3 ;;
			*) want=2 ;;
			esac &&
			{
				mlw train $algo --data nosuch.csv $args --$opt $val \
					>/dev/null 2>err
				got=$?
			} &&
			if test $got != $want
			then
				echo "$algo --$opt: exit $got, want $want" &&
				cat err && return 1
			fi &&
			if test $want = 2
			then
				test_grep "does not apply to $algo ($algo takes" err ||
				return 1
			fi || return 1
		done <applies || return 1
	done
'

test_expect_success 'zero is not a count: --n-clusters 0, --cv 0, --max-iter 0' '
	test_expect_code 2 mlw train kmeans --data $DATA/iris.csv \
		--exclude species --n-clusters 0 2>err &&
	test_grep "n_clusters: .0. is out of range (1 to 1e+06)" err &&
	test_expect_code 2 mlw train ridge --data $DATA/diabetes.csv \
		--target target --cv 0 2>err &&
	test_grep "cv must be between 2 and 1000" err &&
	test_expect_code 2 mlw train lasso --data $DATA/diabetes.csv \
		--target target --max-iter 0 2>err &&
	test_grep "max_iter: .0. is out of range" err &&
	test_expect_code 2 mlw train pca --data $DATA/iris.csv \
		--exclude species --n-components 0 2>err &&
	test_grep "n_components: .0. is out of range" err
'

test_expect_success 'a classifier on a continuous target is refused, as type_of_target says' '
	test_expect_code 2 mlw train logistic --data $DATA/diabetes.csv \
		--target bmi 2>err &&
	test_grep "error: continuous target: use a regression algorithm (.bmi. holds 32.1 in data row 1; logistic is a classifier)" err &&
	test_expect_code 2 mlw train gaussian_nb --data $DATA/diabetes.csv \
		--target s5 2>err &&
	test_grep "continuous target" err &&
	printf "a,y\n1,1.0\n2,2.0\n3,1.0\n4,2.0\n" >whole.csv &&
	mlw train logistic --data whole.csv --target y -o json >w.json &&
	test_json_get w.json "[\"coefficients\"][\"classes\"][1]" >c &&
	echo 2 >expect &&
	test_cmp expect c
'

test_expect_success 'a malformed row is refused' '
	printf "a,y\n1,2\n3,4,5\n" >bad.csv &&
	test_expect_code 2 mlw train ridge --data bad.csv --target y 2>err &&
	test_grep "bad.csv:3:3: too many fields" err
'

# a sparse file: 10 GB of NUL bytes that take no disk and no time to write
test_expect_success 'a 10 GB file of one line fails fast in bounded memory' '
	truncate -s 10G huge1.csv &&
	test_expect_code 2 /usr/bin/time -f %M -o rss \
		mlw train ridge --data huge1.csv --target y 2>err &&
	test_grep "huge1.csv:1: line longer than 64 MiB" err &&
	test "$(tail -1 rss)" -lt 262144 &&
	rm -f huge1.csv
'

test_expect_success 'a 10 GB second line is named by its number' '
	printf "a,y\n1,2\n3," >huge2.csv &&
	truncate -s 10G huge2.csv &&
	test_expect_code 2 /usr/bin/time -f %M -o rss \
		mlw train ridge --data huge2.csv --target y 2>err &&
	test_grep "huge2.csv:3: line longer than 64 MiB" err &&
	test "$(tail -1 rss)" -lt 262144 &&
	rm -f huge2.csv
'

test_expect_success 'a line just under the limit is read' '
	printf "a,y\n1,2\n3,4\n" >long.csv &&
	/usr/bin/python3 -c "
import sys
with open(\"long.csv\", \"a\") as f:
    f.write(\"5,\" + \"0\" * (20 << 20) + \"6\\n7,8\\n\")
" &&
	mlw train linear --data long.csv --target y -o json >out &&
	test_json_get out "[\"rows\"]" >rows &&
	echo 4 >expect &&
	test_cmp expect rows
'

test_expect_success 'OLS on singular data: solved, the columns named in warnings' '
	printf "x1,x2,x3,c,y\n" >sing.csv &&
	for i in 1 2 3 4 5 6 7 8 9; do
		echo "$i,$((i * i % 7)),$((i + i * i % 7)),4,$((3 * i + i * i % 5))" || return 1
	done >>sing.csv &&
	mlw train linear --data sing.csv --target y -o json >out 2>err &&
	test_grep "column .x3. is a linear combination of the columns before it" err &&
	test_grep "column .c. is constant" err &&
	test_grep -v "column .x1.\|column .x2." err &&
	test_json_get out "[\"rank\"]" >rank &&
	echo 2 >expect &&
	test_cmp expect rank
'

test_expect_success 'ridge on singular data needs no warning' '
	mlw train ridge --data sing.csv --target y -o json >out 2>err &&
	test_must_be_empty err
'

test_expect_success 'categorical features are one-hot encoded, missing imputed' '
	printf "color,x,y\nred,1,2\nblue,2,4\nred,,6\ngreen,4,8\nblue,5,9\n" >cat.csv &&
	mlw train ridge --data cat.csv --target y --alpha 0.1 -o json >out.json &&
	test_json_get out.json "[\"coefficients\"][\"feature_names\"]" >names &&
	echo "[\"color=blue\", \"color=green\", \"color=red\", \"x\"]" >expect &&
	test_cmp expect names
'

test_expect_success 'validation data with an unseen category still scores' '
	printf "color,x,y\npurple,1,2\nred,3,5\n" >val.csv &&
	mlw train ridge --data cat.csv --target y --validation-data val.csv >out &&
	test_grep "^r2_score" out
'

test_expect_success 'the model folder has MLmodel and params.bin' '
	mlw train logistic --data $DATA/iris.csv --target species --output model >out &&
	test_grep "^    algorithm: logistic" model/MLmodel &&
	test_grep "format_version: 1" model/MLmodel &&
	test_grep "\"name\": \"sepal_length\", \"type\": \"double\"" model/MLmodel &&
	head -c 8 model/params.bin >magic &&
	printf MLWPARAM >expect &&
	test_cmp expect magic
'

test_expect_success 'cross-validation reports validation metrics' '
	mlw train ridge --data $DATA/diabetes.csv --target target --cv 5 -o json >cv.json &&
	test_json_get cv.json "[\"metrics\"][\"r2_score\"]" >r2 &&
	test_file_not_empty r2
'

test_expect_success 'contradictory options are usage errors' '
	test_expect_code 2 mlw train ridge --data $DATA/diabetes.csv --target target \
		--cv 3 --validation-split 0.2 2>err &&
	test_grep "exclude each other" err &&
	test_expect_code 2 mlw train boost --data x --target y 2>err &&
	test_grep "unknown algorithm" err
'

test_expect_success 'every option in -h is in the man page' '
	mlw train -h >help &&
	sed -n "s/^ *\(--[a-z0-9-]*\).*/\1/p" help | sort -u >opts &&
	while read o; do
		grep -q -- "$(echo $o | sed "s/-/\\\\\\\\-/g")" $MLW_BUILD_DIR/man/mlw-train.1 ||
		{ echo "missing $o"; return 1; }
	done <opts
'

test_done
