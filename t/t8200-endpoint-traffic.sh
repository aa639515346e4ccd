#!/bin/sh
test_description='online endpoints: traffic by weight, mirror traffic, a blue/green rollout under load'
. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-endpoint.sh

trap 'stop_serving rollout' EXIT

test_expect_success 'setup: two models, an endpoint served with blue' '
	mlw init -q &&
	mlw train ridge --data "$DATA/diabetes.csv" --target target \
		--output ridge -q >/dev/null &&
	mlw train lasso --data "$DATA/diabetes.csv" --target target \
		--output lasso -q >/dev/null &&
	mlw model create -n ridge -p ridge -t mlflow_model -o none &&
	mlw model create -n lasso -p lasso -t mlflow_model -o none &&
	cat >blue.yml <<-\EOF &&
	$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json
	name: blue
	endpoint_name: rollout
	model: azureml:ridge:1
	instance_type: Standard_DS3_v2
	instance_count: 1
	request_settings:
	  max_concurrent_requests_per_instance: 16
	EOF
	sed -e "s/blue/green/" -e "s/ridge/lasso/" blue.yml >green.yml &&
	mlw endpoint create -n rollout -o none &&
	mlw endpoint deployment create -f blue.yml --all-traffic -o none &&
	serve rollout --poll-ms 50 &&
	KEY=$(key rollout) &&
	head -n 2 "$DATA/diabetes.csv" >one.csv &&
	to_payload split one.csv target >one.json
'

# count DEPLOYMENT FILE: answers of FILE from DEPLOYMENT
count () {
	grep -c "^200 $1\$" "$2" || :
}

test_expect_success PYTHON 'traffic 90/10 splits the requests by weight' '
	mlw endpoint deployment create -f green.yml -o none &&
	mlw endpoint update rollout --traffic "blue=90 green=10" -o none &&
	sleep 0.3 &&
	load "$URL" "$KEY" one.json 3 split.out 2 &&
	total=$(wc -l <split.out) &&
	green=$(count green split.out) &&
	blue=$(count blue split.out) &&
	echo "total $total blue $blue green $green" &&
	test $((blue + green)) = $total &&
	test $total -ge 200 &&
	test $((green * 100)) -ge $((total * 4)) &&
	test $((green * 100)) -le $((total * 18))
'

test_expect_success PYTHON 'mirror traffic: answers logged, never returned' '
	mlw endpoint update rollout --traffic "blue=100 green=0" -o none &&
	mlw endpoint update rollout --mirror-traffic "green=50" -o none &&
	sleep 0.3 &&
	before=$(sqlite3 .mlw/mlw.db "SELECT count(*) FROM endpoint_requests WHERE mirror = 1") &&
	load "$URL" "$KEY" one.json 2 mirror.out 2 &&
	total=$(wc -l <mirror.out) &&
	test $(count blue mirror.out) = $total &&
	sleep 0.5 &&
	sqlite3 .mlw/mlw.db "SELECT count(*) FROM endpoint_requests WHERE mirror = 1 AND deployment = \"green\" AND status = 200 AND output LIKE \"[%]\"" >n &&
	mirrored=$(($(cat n) - before)) &&
	echo "total $total mirrored $mirrored" &&
	test $((mirrored * 100)) -ge $((total * 25)) &&
	test $((mirrored * 100)) -le $((total * 75)) &&
	mlw endpoint update rollout --mirror-traffic "green=0" -o none
'

test_expect_success PYTHON 'a blue/green rollout under load fails no request' '
	mlw endpoint update rollout --mirror-traffic "green=0" -o none &&
	mlw endpoint update rollout --traffic "blue=100 green=0" -o none &&
	sleep 0.3 &&
	rm -f stop &&
	start_load "$URL" "$KEY" one.json stop rollout.out 4 &&
	sleep 0.5 &&
	mlw endpoint update rollout --traffic "blue=90 green=10" -o none &&
	sleep 0.5 &&
	mlw endpoint update rollout --traffic "blue=50 green=50" -o none &&
	sleep 0.5 &&
	mlw endpoint deployment update blue -e rollout \
		--set request_settings.request_timeout_ms=4000 -o none &&
	sleep 0.5 &&
	mlw endpoint update rollout --traffic "blue=0 green=100" -o none &&
	sleep 0.5 &&
	mlw endpoint deployment delete blue -e rollout -q &&
	sleep 0.5 &&
	mlw endpoint deployment create -f blue.yml -o none &&
	mlw endpoint update rollout --traffic "blue=100 green=0" -o none &&
	sleep 0.5 &&
	touch stop &&
	wait $load_pid &&
	total=$(wc -l <rollout.out) &&
	ok=$(grep -c "^200 " rollout.out) &&
	echo "$total requests, $ok answered 200" &&
	test $total -ge 200 &&
	test $ok = $total &&
	test $(count green rollout.out) -gt 0 &&
	test $(count blue rollout.out) -gt 0 &&
	tail -n 1 rollout.out >last && echo "200 blue" >expect &&
	test_cmp expect last
'

test_expect_success 'the log says each configuration that came into service' '
	sleep 0.3 &&
	mlw endpoint deployment get-logs green -e rollout >log &&
	test_grep "configuration [0-9]* in service" log
'

test_expect_success 'the endpoint deleted, its server stops' '
	pid=$(cat .mlw/endpoints/rollout/server.pid) &&
	mlw endpoint delete rollout -q &&
	for i in 1 2 3 4 5 6 7 8 9 10; do
		kill -0 $pid 2>/dev/null || break
		sleep 0.2
	done &&
	! kill -0 $pid 2>/dev/null &&
	mlw fsck -q
'

test_done
