#!/bin/sh
test_description='MLTable folders: paths, readers, transformations, data assets'
. ./test-lib.sh

DATA=$MLW_BUILD_DIR/share/datasets
CORPUS_DIR=$SHARED_DIRECTORY/corpus

# the rows of preview-data -o tsv, one line each
preview () {
	mlw preview-data "$@" -o tsv
}

test_expect_success 'a folder with an MLTable file trains as its CSV does' '
	mkdir diab &&
	cp $DATA/diabetes.csv diab/ &&
	cat >diab/MLTable <<-\EOF &&
	paths:
	  - file: ./diabetes.csv
	transformations:
	  - read_delimited:
	      delimiter: ","
	      header: all_files_same_headers
	      encoding: utf8
	EOF
	mlw train ridge --data $DATA/diabetes.csv --target target >want &&
	mlw train ridge --data diab --target target >got &&
	test_cmp want got &&
	mlw train ridge --data diab/MLTable --target target >got &&
	test_cmp want got
'

test_expect_success 'preview shows the first rows as the trainers see them' '
	preview diab -n 2 >out &&
	printf "59\t2\t32.1\t101\t157\t93.2\t38\t4\t4.8598\t87\t151\n48\t1\t21.6\t87\t183\t103.2\t70\t3\t3.8918\t69\t75\n" >expect &&
	test_cmp expect out &&
	mlw preview-data diab -n 1 -o json >out.json &&
	test_json_get out.json "[0][\"bmi\"]" >bmi &&
	echo 32.1 >expect &&
	test_cmp expect bmi &&
	preview diab -n -1 >all &&
	test $(wc -l <all) = 442
'

test_expect_success 'delimiter, no_header and take/skip' '
	mkdir semi &&
	printf "1;a;x\n2;b;y\n3;c;x\n4;d;y\n5;e;x\n" >semi/d.txt &&
	cat >semi/MLTable <<-\EOF &&
	paths:
	  - file: d.txt
	transformations:
	  - read_delimited: {delimiter: ";", header: no_header}
	  - skip: 1
	  - take: 3
	EOF
	mlw preview-data semi -o json >out.json &&
	test_json_get out.json "[0][\"Column1\"]" >first &&
	echo 2.0 >expect &&
	test_cmp expect first &&
	preview semi >out &&
	printf "2\tb\ty\n3\tc\tx\n4\td\ty\n" >expect &&
	test_cmp expect out
'

test_expect_success 'take stops reading: a later broken file is never read' '
	mkdir early &&
	printf "a,b\n1,2\n3,4\n5,6\n" >early/1.csv &&
	printf "a,b\n\"broken\n" >early/2.csv &&
	printf "paths:\n  - pattern: ./*.csv\ntransformations:\n  - take: 2\n" >early/MLTable &&
	preview early >out &&
	printf "1\t2\n3\t4\n" >expect &&
	test_cmp expect out &&
	sed -i "s/take: 2/take: 4/" early/MLTable &&
	test_expect_code 2 mlw preview-data early 2>err &&
	test_grep "2.csv:2: unterminated quoted field" err
'

test_expect_success 'pattern and folder paths; all_files_same_headers checks headers' '
	mkdir parts parts/sub &&
	printf "x,y\n1,2\n" >parts/a.csv &&
	printf "x,y\n3,4\n" >parts/b.csv &&
	printf "x,y\n5,6\n" >parts/sub/c.csv &&
	printf "paths:\n  - pattern: ./*.csv\n" >parts/MLTable &&
	preview parts >out &&
	printf "1\t2\n3\t4\n" >expect &&
	test_cmp expect out &&
	printf "paths:\n  - folder: .\n" >parts/MLTable &&
	preview parts >out &&
	printf "1\t2\n3\t4\n5\t6\n" >expect &&
	test_cmp expect out &&
	printf "x,z\n7,8\n" >parts/sub/d.csv &&
	test_expect_code 2 mlw preview-data parts 2>err &&
	test_grep "d.csv:1: the header differs" err
'

test_expect_success 'from_first_file: only the first file has a header' '
	mkdir fff &&
	printf "x,y\n1,2\n" >fff/a.csv &&
	printf "3,4\n5,6\n" >fff/b.csv &&
	cat >fff/MLTable <<-\EOF &&
	paths:
	  - file: a.csv
	  - file: b.csv
	transformations:
	  - read_delimited:
	      header: from_first_file
	      include_path_column: true
	EOF
	preview fff >out &&
	test $(wc -l <out) = 3 &&
	cut -f1,2 out >xy &&
	printf "1\t2\n3\t4\n5\t6\n" >expect &&
	test_cmp expect xy &&
	cut -f3 out | sed "s|.*/||" >paths &&
	printf "a.csv\nb.csv\nb.csv\n" >expect &&
	test_cmp expect paths
'

test_expect_success 'filter, drop_columns, keep_columns, convert_column_types' '
	mkdir people &&
	cat >people/p.csv <<-\EOF &&
	name,age,sex,score,zip
	ann,31,female,1.5,01234
	bob,25,male,2.5,02345
	cy,40,female,3.5,03456
	dee,35,female,,04567
	ed,50,male,4.5,05678
	EOF
	cat >people/MLTable <<-\EOF &&
	paths:
	  - file: p.csv
	transformations:
	  - read_delimited: {delimiter: ","}
	  - filter: "col(\"age\") > 30 and (sex == '\''female'\'' or age >= 50)"
	  - drop_columns: [name]
	  - keep_columns: [age, score, zip]
	  - convert_column_types:
	      - columns: zip
	        column_type: string
	EOF
	preview people >out &&
	cat >expect <<-\EOF &&
	31	1.5	01234
	40	3.5	03456
	35		04567
	50	4.5	05678
	EOF
	test_cmp expect out
'

test_expect_success 'convert_column_types to int refuses text with file and line' '
	mkdir conv &&
	printf "a,b\n1,x\n2,y\n" >conv/d.csv &&
	printf "paths:\n  - file: d.csv\ntransformations:\n  - convert_column_types:\n      - columns: [b]\n        column_type: int\n" >conv/MLTable &&
	test_expect_code 2 mlw preview-data conv 2>err &&
	test_grep "d.csv:2: .x. is not a number (column .b. is numeric)" err
'

test_expect_success 'take_random_sample is seeded and reproducible' '
	mkdir sample &&
	awk "BEGIN { print \"i,v\"; for (i = 0; i < 2000; i++) print i \",\" i % 7 }" >sample/d.csv &&
	printf "paths:\n  - file: d.csv\ntransformations:\n  - take_random_sample:\n      probability: 0.25\n      seed: 42\n" >sample/MLTable &&
	preview sample -n -1 >a &&
	preview sample -n -1 >b &&
	test_cmp a b &&
	n=$(wc -l <a) &&
	test $n -gt 400 && test $n -lt 600 &&
	sed -i "s/seed: 42/seed: 7/" sample/MLTable &&
	preview sample -n -1 >c &&
	! test_cmp a c 2>/dev/null
'

test_expect_success 'encodings: latin1 is converted, others are refused at their position' '
	mkdir enc &&
	printf "city,n\nM\\374nchen,1\nK\\366ln,2\n" >enc/d.csv &&
	printf "paths:\n  - file: d.csv\ntransformations:\n  - read_delimited:\n      encoding: latin1\n" >enc/MLTable &&
	preview enc >out &&
	printf "M\\303\\274nchen\t1\nK\\303\\266ln\t2\n" >expect &&
	test_cmp expect out &&
	sed -i "s/latin1/utf16/" enc/MLTable &&
	test_expect_code 2 mlw preview-data enc 2>err &&
	test_grep "MLTable:5:17: encoding .utf16. is not supported" err
'

test_expect_success 'spec errors carry FILE:LINE:COL' '
	mkdir bad &&
	printf "a\n1\n" >bad/d.csv &&
	printf "paths:\n  - file: d.csv\ntransformations:\n  - shuffle: 3\n" >bad/MLTable &&
	test_expect_code 2 mlw preview-data bad 2>err &&
	test_grep "bad/MLTable:4:5: unknown transformation .shuffle." err &&
	printf "paths:\n  - file: d.csv\ntransformations:\n  - filter: \"a >> 3\"\n" >bad/MLTable &&
	test_expect_code 2 mlw preview-data bad 2>err &&
	test_grep "bad/MLTable:4:13: .*in the filter" err &&
	printf "paths:\n  - file: d.csv\ntransformations:\n  - drop_columns: nope\n" >bad/MLTable &&
	test_expect_code 2 mlw preview-data bad 2>err &&
	test_grep "bad/MLTable:4:5: no column .nope." err &&
	printf "paths:\n  - file: missing.csv\n" >bad/MLTable &&
	test_expect_code 3 mlw preview-data bad 2>err &&
	test_grep "bad/MLTable:2:11: no file .missing.csv." err &&
	printf "paths:\n  - file: https://example.org/x.csv\n" >bad/MLTable &&
	test_expect_code 2 mlw preview-data bad 2>err &&
	test_grep "is remote" err &&
	printf "paths:\n  - file: d.csv\ntransformations:\n  - read_parquet\n" >bad/MLTable &&
	test_expect_code 2 mlw preview-data bad 2>err &&
	test_grep "read_parquet. is not supported" err &&
	rm bad/MLTable &&
	test_expect_code 3 mlw preview-data bad 2>err &&
	test_grep "has no MLTable file" err
'

test_expect_success 'a malformed row names its file and line' '
	mkdir rows &&
	printf "a,b\n1,2\n3,4,5\n" >rows/d.csv &&
	printf "paths:\n  - file: d.csv\n" >rows/MLTable &&
	test_expect_code 2 mlw preview-data rows 2>err &&
	test_grep "d.csv:3: too many fields (the header has 2)" err &&
	printf "a,b\n1,2\n3\n" >rows/d.csv &&
	test_expect_code 2 mlw train ridge --data rows --target b 2>err &&
	test_grep "d.csv:3: too few fields: 1 of 2" err
'

test_expect_success 'read_json_lines: keys become columns; invalid lines error or drop' '
	mkdir jl &&
	cat >jl/d.jsonl <<-\EOF &&
	{"x": 1, "y": 2.5, "c": "red"}
	{"x": 2, "y": 4.5, "c": "blue", "extra": true}

	{"x": 3, "y": null, "c": "red"}
	EOF
	printf "paths:\n  - file: d.jsonl\ntransformations:\n  - read_json_lines:\n      encoding: utf8\n      invalid_lines: error\n" >jl/MLTable &&
	preview jl >out &&
	cat >expect <<-\EOF &&
	1	2.5	red	
	2	4.5	blue	true
	3		red	
	EOF
	test_cmp expect out &&
	echo "not json" >>jl/d.jsonl &&
	test_expect_code 2 mlw preview-data jl 2>err &&
	test_grep "d.jsonl:5: " err &&
	sed -i "s/error/drop/" jl/MLTable &&
	preview jl >out &&
	test_cmp expect out
'

test_expect_success 'a data asset: azureml:NAME:VERSION and NAME@latest' '
	mlw init &&
	mlw data create -n diab -p diab -t mltable >/dev/null &&
	mlw train ridge --data $DATA/diabetes.csv --target target >want &&
	mlw train ridge --data azureml:diab:1 --target target >got &&
	test_cmp want got &&
	mlw train ridge --data diab@latest --target target >got &&
	test_cmp want got &&
	mlw data create -n diabfile -p $DATA/diabetes.csv -t uri_file >/dev/null &&
	mlw train ridge --data azureml:diabfile@latest --target target >got &&
	test_cmp want got &&
	preview azureml:diab:1 -n 1 >out &&
	test_grep "^59" out &&
	test_expect_code 3 mlw train ridge --data azureml:diab:9 --target target &&
	ls /tmp | grep -c "^mlw-input-" >left || : &&
	mlw train ridge --data azureml:diab:1 --target target --validation-data diab >got &&
	test_grep r2_score got
'

test_expect_success CORPUS 'real MLTable files from the corpus' '
	preview $CORPUS_DIR/cli/assets/data/local-mltable -n -1 >titanic &&
	test $(wc -l <titanic) = 891 &&
	mlw preview-data $CORPUS_DIR/sdk/python/assets/data/sample-mltable -n 1 -o json >s.json &&
	test_json_get s.json "[0]" >row &&
	! test_grep PassengerId row &&
	test_grep Survived row &&
	preview $CORPUS_DIR/cli/jobs/automl-standalone-jobs/cli-automl-forecasting-bike-share/training-mltable-folder -n 1 >bike &&
	test_grep "^1	2011-01-01" bike &&
	test_expect_code 2 mlw preview-data $CORPUS_DIR/cli/responsible-ai/cli-responsibleaidashboard-housing-classification/data-housing-classification/train 2>err &&
	test_grep "MLTable:6:5: .read_parquet. is not supported" err
'

test_expect_success CORPUS 'train on a corpus MLTable' '
	mlw train logistic --data $CORPUS_DIR/cli/assets/data/local-mltable \
		--target Survived --features Pclass,Sex,Age,Fare --max-iter 500 >out &&
	test_grep "^train_accuracy" out
'

test_done
