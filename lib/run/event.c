/*
 * event.c - the hooks of run events; see event.h.
 */
#include "run/event.h"
#include "run/run.h"
#include "store/repo.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/hook.h"
#include "util/json.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* Azure's payload of a run event */
static char *payload(const struct mlw_run *run)
{
	json_t *j = json_object(), *tags = json_object();
	char *eid = mlw_xstrfmt("%lld", (long long)run->experiment_id), *text;
	size_t i;

	/* the experiment's stable id (experiment.h) */
	json_object_set_new(j, "experimentId", json_string(eid));
	free(eid);
	json_object_set_new(j, "experimentName", json_string(run->experiment));
	json_object_set_new(j, "runId", json_string(run->name));
	json_object_set_new(j, "runType", json_string("azureml.scriptrun"));
	for (i = 0; i < run->nr_tags; i++)
		json_object_set_new(tags, run->tags[i].key,
				    json_string(run->tags[i].value));
	json_object_set_new(j, "runTags", tags);
	json_object_set_new(j, "runProperties",
			    run->properties ?
			    json_loads(run->properties, 0, NULL) :
			    json_object());
	json_object_set_new(j, "runStatus",
			    json_string(mlw_run_status_name(run->status)));
	text = mlw_json_dumps(j, MLW_JSON_COMPACT);
	json_decref(j);
	return text;
}

/* a hook's failure is ignored: see event.h */
static void run_hook(struct mlw_repo *repo, const char *event,
		     const char *text)
{
	int ran;

	if (mlw_hook_run(&ran, repo->dir, repo->worktree, event, text))
		mlw_error_clear();
}

int mlw_run_status_hook(struct mlw_repo *repo)
{
	return mlw_hook_exists(repo->dir, "run-status-changed");
}

int mlw_run_fire_hooks(struct mlw_repo *repo, struct mlw_catalog *cat,
		       const char *name)
{
	int want_changed = mlw_run_status_hook(repo);
	int want_completed = mlw_hook_exists(repo->dir, "run-completed");
	struct mlw_run *run;
	char *text;
	int ret;

	if (!want_changed && !want_completed)
		return 0;
	ret = mlw_run_get(&run, cat, name);
	if (!ret)
		ret = mlw_run_load_details(cat, run);
	if (ret) {
		mlw_run_free(run);
		return ret;
	}
	text = payload(run);
	if (want_changed)
		run_hook(repo, "run-status-changed", text);
	if (want_completed && run->status == MLW_RUN_COMPLETED)
		run_hook(repo, "run-completed", text);
	free(text);
	mlw_run_free(run);
	return 0;
}
