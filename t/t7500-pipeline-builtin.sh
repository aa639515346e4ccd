#!/bin/sh
test_description='built-in components and the table verbs they run'
. ./test-lib.sh

datasets=$MLW_BUILD_DIR/share/datasets

test_expect_success 'setup' '
	mlw init -q . &&
	cp "$datasets/iris.csv" "$datasets/diabetes.csv" . &&
	printf "a,b,c\n1,\"x,y\",3\n,\"say \"\"hi\"\"\",6\n" >quoted.csv
'

test_expect_success 'split: round(fraction * rows) rows to the first file' '
	mlw data split -i diabetes.csv --first a.csv --second b.csv \
		--fraction 0.8 --seed 7 -o json >r.json &&
	test "$(test_json_get r.json "[\"first\"]")" = 354 &&
	test "$(test_json_get r.json "[\"second\"]")" = 88 &&
	test $(wc -l <a.csv) = 355 && test $(wc -l <b.csv) = 89 &&
	head -n 1 diabetes.csv >h && head -n 1 a.csv >ha && test_cmp h ha
'

test_expect_success 'split: every row once, as written, in its order' '
	tail -n +2 a.csv >rows && tail -n +2 b.csv >>rows &&
	sort rows >got && tail -n +2 diabetes.csv | sort >want &&
	test_cmp want got &&
	tail -n +2 diabetes.csv >all &&
	/usr/bin/python3 -c "
import sys
rows = open(\"all\").read().splitlines()
pos = {r: i for i, r in enumerate(rows)}
a = [pos[r] for r in open(\"a.csv\").read().splitlines()[1:]]
sys.exit(a != sorted(a))"
'

test_expect_success 'split: the seed decides, the same seed the same split' '
	mlw -q data split -i diabetes.csv --first a2.csv --second b2.csv --seed 7 &&
	test_cmp a.csv a2.csv &&
	mlw -q data split -i diabetes.csv --first a3.csv --second b3.csv --seed 8 &&
	! cmp -s a.csv a3.csv
'

test_expect_success 'split: stratified keeps each class its share' '
	mlw -q data split -i iris.csv --first t.csv --second v.csv \
		--fraction 0.6 --stratify species --seed 1 &&
	for s in setosa versicolor virginica; do
		test $(grep -c ",$s\$" t.csv) = 30 &&
		test $(grep -c ",$s\$" v.csv) = 20 || return 1
	done
'

test_expect_success 'split: bad input is refused' '
	test_expect_code 2 mlw data split -i iris.csv --first x --second y --fraction 1.5 &&
	test_expect_code 2 mlw data split -i iris.csv --first x --second y --stratify nope 2>err &&
	test_grep "has no column .nope." err &&
	test_expect_code 3 mlw data split -i missing.csv --first x --second y &&
	printf "a,b\n1,2\n3\n" >short.csv &&
	test_expect_code 2 mlw data split -i short.csv --first x --second y 2>err &&
	test_grep "short.csv:3: a row with 1 fields, the header has 2" err &&
	! test -e x
'

test_expect_success 'select: columns in the order asked, quoted fields kept' '
	mlw data select -i quoted.csv --output s.csv --columns c,b &&
	printf "c,b\n3,\"x,y\"\n6,\"say \"\"hi\"\"\"\n" >expect &&
	test_cmp expect s.csv &&
	mlw data select -i quoted.csv --output s2.csv --exclude b &&
	printf "a,c\n1,3\n,6\n" >expect &&
	test_cmp expect s2.csv &&
	test_expect_code 2 mlw data select -i quoted.csv --output s3.csv --columns z
'

test_expect_success SKLEARN 'normalize: as StandardScaler and MinMaxScaler' '
	mlw -q data normalize -i iris.csv --output z.csv --exclude species &&
	mlw -q data normalize -i iris.csv --output m.csv --method minmax --columns sepal_length,petal_width &&
	/usr/bin/python3 -c "
import pandas as pd, numpy as np
from sklearn.preprocessing import StandardScaler, MinMaxScaler
d = pd.read_csv(\"iris.csv\")
num = [c for c in d.columns if c != \"species\"]
z = pd.read_csv(\"z.csv\")
assert np.allclose(z[num].values, StandardScaler().fit_transform(d[num]), atol=1e-12)
assert (z[\"species\"] == d[\"species\"]).all()
m = pd.read_csv(\"m.csv\")
cols = [\"sepal_length\", \"petal_width\"]
assert np.allclose(m[cols].values, MinMaxScaler().fit_transform(d[cols]), atol=1e-12)
assert (m[\"sepal_width\"] == d[\"sepal_width\"]).all()
"
'

test_expect_success 'normalize: a text column asked for is an error' '
	test_expect_code 2 mlw data normalize -i iris.csv --output x.csv --columns species 2>err &&
	test_grep "iris.csv:2: column .species. is not numeric (.setosa.)" err
'

test_expect_success SKLEARN 'evaluate: regression metrics as scikit-learn' '
	mlw -q train ridge --data a.csv --target target --output ridge >/dev/null &&
	mlw -q model score ridge --input b.csv --output scored.csv --include-input &&
	mlw model evaluate -i scored.csv --target target -o json >ev.json &&
	test "$(test_json_get ev.json "[\"task\"]")" = regression &&
	/usr/bin/python3 -c "
import json, pandas as pd
from sklearn import metrics
s = pd.read_csv(\"scored.csv\")
m = json.load(open(\"ev.json\"))[\"metrics\"]
y, p = s[\"target\"], s[\"prediction\"]
assert abs(m[\"r2_score\"] - metrics.r2_score(y, p)) < 1e-12
assert abs(m[\"mean_absolute_error\"] - metrics.mean_absolute_error(y, p)) < 1e-9
assert abs(m[\"root_mean_squared_error\"] - metrics.mean_squared_error(y, p) ** 0.5) < 1e-9
"
'

test_expect_success SKLEARN 'evaluate: classification with probabilities' '
	mlw -q train logistic --data t.csv --target species --output logit >/dev/null &&
	mlw -q model score logit --input v.csv --output cls.csv --include-input --proba &&
	mlw model evaluate -i cls.csv --target species --output ev2.json >out &&
	test_grep "^task: classification" out &&
	/usr/bin/python3 -c "
import json, pandas as pd
from sklearn import metrics
s = pd.read_csv(\"cls.csv\")
e = json.load(open(\"ev2.json\"))
m = e[\"metrics\"]
assert e[\"probabilities\"]
assert abs(m[\"accuracy\"] - metrics.accuracy_score(s[\"species\"], s[\"prediction\"])) < 1e-12
p = s[[\"proba_setosa\", \"proba_versicolor\", \"proba_virginica\"]].values
assert abs(m[\"log_loss\"] - metrics.log_loss(s[\"species\"], p)) < 1e-9
assert abs(m[\"AUC_macro\"] - metrics.roc_auc_score(s[\"species\"], p, multi_class=\"ovr\")) < 1e-9
"
'

test_expect_success 'evaluate: a missing column is an error' '
	test_expect_code 2 mlw model evaluate -i scored.csv --target nope 2>err &&
	test_grep "has no column .nope." err
'

test_expect_success 'the built-in components validate' '
	for f in "$MLW_BUILD_DIR"/share/components/*.yml; do
		mlw -q component validate "$f" || return 1
	done
'

test_expect_success 'a pipeline of built-in components, by name and by path' '
	mlw -q data create --name iris --path iris.csv --type uri_file -o none &&
	cat >builtin.yml <<-EOT &&
	type: pipeline
	inputs:
	  raw:
	    type: uri_file
	    path: azureml:iris@latest
	jobs:
	  split:
	    component: azureml:mlw_split@latest
	    inputs:
	      data: \${{parent.inputs.raw}}
	      fraction: 0.7
	      stratify: species
	      seed: 3
	  scale:
	    component: azureml:mlw_normalize:1
	    inputs:
	      data: \${{parent.jobs.split.outputs.first}}
	      exclude: species
	  pick:
	    component: file:$MLW_BUILD_DIR/share/components/mlw_select_columns.yml
	    inputs:
	      data: \${{parent.jobs.scale.outputs.data}}
	      exclude: sepal_width
	  train:
	    component: azureml:mlw_train@latest
	    inputs:
	      training_data: \${{parent.jobs.pick.outputs.data}}
	      algorithm: lda
	      target: species
	  score:
	    component: azureml:mlw_score_proba@latest
	    inputs:
	      model: \${{parent.jobs.train.outputs.model}}
	      data: \${{parent.jobs.split.outputs.second}}
	  evaluate:
	    component: azureml:mlw_evaluate@latest
	    inputs:
	      scored: \${{parent.jobs.score.outputs.scored}}
	      target: species
	EOT
	mlw -q job create -f builtin.yml --name b1 --wait >/dev/null &&
	mlw job show b1 -o json >show.json &&
	ev=$(test_json_get show.json "[\"graph\"][\"steps\"][5][\"job\"]") &&
	mlw job show $ev --query metrics -o json >m.json &&
	test_json_get m.json "[\"accuracy\"]" >acc &&
	test -s acc &&
	tr=$(test_json_get show.json "[\"graph\"][\"steps\"][3][\"job\"]") &&
	test "$(mlw job show $tr --query params.algorithm -o tsv)" = lda
'

test_expect_success 'a built-in component pinned to another version is refused' '
	sed "s/azureml:mlw_normalize:1/azureml:mlw_normalize:9/" builtin.yml >v9.yml &&
	test_expect_code 2 mlw job create -f v9.yml 2>err &&
	test_grep "the built-in component .mlw_normalize. is version 1" err
'

test_expect_success 'the example pipeline runs from its Makefile, then reuses' '
	cp -R "$MLW_BUILD_DIR/share/examples/diabetes-pipeline" ex &&
	(cd ex && make -s DATASETS="$datasets" >../make.out 2>&1) &&
	test_file_not_empty ex/metrics.json &&
	test "$(mlw -C ex model show diabetes-ridge --query version -o tsv)" = 1 &&
	first=$(cat ex/.mlw-pipeline) &&
	(cd ex && make -s DATASETS="$datasets" >../make2.out 2>&1) &&
	second=$(cat ex/.mlw-pipeline) &&
	test "$first" != "$second" &&
	mlw -C ex job show $second -o json >reuse.json &&
	/usr/bin/python3 -c "
import json
g = json.load(open(\"reuse.json\"))[\"graph\"][\"steps\"]
assert all(s[\"reused_from\"] for s in g), g"
'

test_expect_success SKLEARN 'the example ridge model scores as scikit-learn fits it' '
	p=$(cat ex/.mlw-pipeline) &&
	mlw -C ex job show $p -o json >ex.json &&
	prep=$(test_json_get ex.json "[\"graph\"][\"steps\"][0][\"reused_from\"]") &&
	mlw -C ex job download $prep --output-name first --download-path sp &&
	mlw -C ex job download $prep --output-name second --download-path sp &&
	/usr/bin/python3 -c "
import json, pandas as pd
from sklearn.linear_model import Ridge
from sklearn.metrics import r2_score
tr = pd.read_csv(\"ex/sp/named-outputs/first/first\")
te = pd.read_csv(\"ex/sp/named-outputs/second/second\")
X = [c for c in tr.columns if c != \"target\"]
r = Ridge(alpha=0.5).fit(tr[X], tr[\"target\"])
want = r2_score(te[\"target\"], r.predict(te[X]))
got = json.load(open(\"ex/metrics.json\"))[\"metrics\"][\"r2_score\"]
assert abs(want - got) < 1e-9, (want, got)"
'

test_done
