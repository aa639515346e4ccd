/*
 * test-pipeline-dag.c - unit tests for lib/pipeline: the graph of a
 * pipeline spec, its bindings and checks, and the reuse key.
 */
#include "tap.h"
#include "pipeline/dag.h"
#include "pipeline/reuse.h"
#include "spec/spec.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/mlw-test-pipeline-XXXXXX";

static void write_file(const char *name, const char *text)
{
	char *path = mlw_path_join(dir, name);
	FILE *fp = fopen(path, "w");

	fputs(text, fp);
	fclose(fp);
	free(path);
}

/* load text as DIR/pipeline.yml and build its graph */
static struct mlw_pipeline *load(const char *text, struct mlw_spec **spec)
{
	struct mlw_spec_options so;
	struct mlw_pipeline *p = NULL;
	char *path = mlw_path_join(dir, "pipeline.yml");
	size_t i;

	memset(&so, 0, sizeof(so));
	so.group = "job";
	if (mlw_spec_load_mem(spec, path, text, &so)) {
		free(path);
		return NULL;
	}
	free(path);
	for (i = 0; i < (*spec)->diags.nr; i++)
		if (!(*spec)->diags.items[i].warning)
			printf("# spec: %d:%d: %s\n",
			       (*spec)->diags.items[i].line,
			       (*spec)->diags.items[i].col,
			       (*spec)->diags.items[i].msg);
	if ((*spec)->diags.errors)
		return NULL;
	if (mlw_pipeline_load(&p, *spec, NULL))
		return NULL;
	return p;
}

/* the first error's message, or "" */
static const char *first_error(const struct mlw_pipeline *p, int *line,
			       int *col)
{
	size_t i;

	for (i = 0; p && i < p->diags.nr; i++)
		if (!p->diags.items[i].warning) {
			*line = p->diags.items[i].line;
			*col = p->diags.items[i].col;
			return p->diags.items[i].msg;
		}
	*line = *col = 0;
	return "";
}

static void drop(struct mlw_pipeline *p, struct mlw_spec *spec)
{
	mlw_pipeline_free(p);
	mlw_spec_free(spec);
}

static void test_edges(void)
{
	struct mlw_spec *spec;
	struct mlw_pipeline *p = load(
		"type: pipeline\n"
		"inputs:\n"
		"  greeting: hello\n"
		"jobs:\n"
		"  c:\n"
		"    command: cat ${{inputs.x}}/a ${{inputs.y}}/b\n"
		"    environment: azureml:e@latest\n"
		"    inputs:\n"
		"      x: ${{parent.jobs.a.outputs.out}}\n"
		"      y: ${{parent.jobs.b.outputs.out}}\n"
		"  a:\n"
		"    command: echo ${{inputs.g}} >${{outputs.out}}/a\n"
		"    environment: azureml:e@latest\n"
		"    inputs:\n"
		"      g: ${{parent.inputs.greeting}}\n"
		"    outputs:\n"
		"      out:\n"
		"  b:\n"
		"    command: echo b >${{outputs.out}}/b\n"
		"    environment: azureml:e@latest\n"
		"    outputs:\n"
		"      out:\n", &spec);
	long a, b, c;

	ok(p && !p->diags.errors, "a diamond-free graph loads");
	if (!p || p->diags.errors) {
		drop(p, spec);
		return;
	}
	a = mlw_pipeline_find(p, "a");
	b = mlw_pipeline_find(p, "b");
	c = mlw_pipeline_find(p, "c");
	is_int(p->nr_order, 3, "three steps to run");
	is_int(p->order[0], a, "a first (c waits for it)");
	is_int(p->order[1], b, "then b");
	is_int(p->order[2], c, "then c");
	is_int(p->steps[c].nr_deps, 2, "c reads two steps");
	is_int(p->steps[c].inputs[0].bind, MLW_BIND_STEP, "x is a step output");
	is_int(p->steps[c].inputs[0].step, a, "x from a");
	is_str(p->steps[c].inputs[0].output, "out", "x from a's out");
	is_int(p->steps[a].inputs[0].bind, MLW_BIND_LITERAL,
	       "a's g is the pipeline's literal");
	is_str(p->steps[a].inputs[0].value, "hello", "bound through");
	drop(p, spec);
}

static void test_cycle(void)
{
	struct mlw_spec *spec;
	struct mlw_pipeline *p = load(
		"type: pipeline\n"
		"jobs:\n"
		"  a:\n"
		"    command: echo\n"
		"    environment: azureml:e@latest\n"
		"    inputs:\n"
		"      x: ${{parent.jobs.c.outputs.out}}\n"
		"    outputs:\n"
		"      out:\n"
		"  b:\n"
		"    command: echo\n"
		"    environment: azureml:e@latest\n"
		"    inputs:\n"
		"      x: ${{parent.jobs.a.outputs.out}}\n"
		"    outputs:\n"
		"      out:\n"
		"  c:\n"
		"    command: echo\n"
		"    environment: azureml:e@latest\n"
		"    inputs:\n"
		"      x: ${{parent.jobs.b.outputs.out}}\n"
		"    outputs:\n"
		"      out:\n"
		"  free:\n"
		"    command: echo\n"
		"    environment: azureml:e@latest\n", &spec);
	int line, col;
	const char *msg = first_error(p, &line, &col);

	ok(p && p->diags.errors == 1, "a cycle is one error");
	is_str(msg, "steps form a cycle: a -> b -> c -> a",
	       "the cycle is named in the order data flows");
	is_int(line, 7, "at the input that closes it (line)");
	is_int(col, 10, "at the input that closes it (column)");
	drop(p, spec);

	p = load("type: pipeline\n"
		 "jobs:\n"
		 "  a:\n"
		 "    command: echo\n"
		 "    environment: azureml:e@latest\n"
		 "    inputs:\n"
		 "      x: ${{parent.jobs.a.outputs.out}}\n"
		 "    outputs:\n"
		 "      out:\n", &spec);
	msg = first_error(p, &line, &col);
	is_str(msg, "steps form a cycle: a -> a", "a step reading itself");
	drop(p, spec);
}

static void test_components(void)
{
	struct mlw_spec *spec;
	struct mlw_pipeline *p;
	int line, col;
	const char *msg;

	write_file("make.yml",
		   "$schema: https://azuremlschemas.azureedge.net/latest/"
		   "commandComponent.schema.json\n"
		   "name: make\n"
		   "command: echo >${{outputs.file}}\n"
		   "environment: azureml:e@latest\n"
		   "outputs:\n"
		   "  file:\n"
		   "    type: uri_file\n"
		   "  folder:\n"
		   "    type: uri_folder\n");
	write_file("use.yml",
		   "$schema: https://azuremlschemas.azureedge.net/latest/"
		   "commandComponent.schema.json\n"
		   "name: use\n"
		   "command: ls ${{inputs.data}} ${{inputs.n}}\n"
		   "environment: azureml:e@latest\n"
		   "inputs:\n"
		   "  data:\n"
		   "    type: uri_folder\n"
		   "  n:\n"
		   "    type: integer\n"
		   "    default: 3\n"
		   "outputs:\n"
		   "  out:\n"
		   "    type: mlflow_model\n");
	p = load("type: pipeline\n"
		 "jobs:\n"
		 "  make:\n"
		 "    component: ./make.yml\n"
		 "  use:\n"
		 "    component: file:./use.yml\n"
		 "    inputs:\n"
		 "      data: ${{parent.jobs.make.outputs.fodler}}\n", &spec);
	msg = first_error(p, &line, &col);
	is_str(msg, "'${{parent.jobs.make.outputs.fodler}}': step 'make' has "
	       "no output 'fodler'; its outputs: file, folder",
	       "a binding to an output the component file lacks");
	is_int(line, 8, "at the binding");
	drop(p, spec);

	p = load("type: pipeline\n"
		 "jobs:\n"
		 "  make:\n"
		 "    component: ./make.yml\n"
		 "  use:\n"
		 "    component: ./use.yml\n"
		 "    inputs:\n"
		 "      data: ${{parent.jobs.make.outputs.file}}\n", &spec);
	msg = first_error(p, &line, &col);
	is_str(msg, "input 'data' of step 'use' takes uri_folder, but output "
	       "'file' of step 'make' is uri_file",
	       "a file output feeding a folder input");
	is_int(line, 8, "at the binding (line)");
	is_int(col, 13, "at the binding (column)");
	drop(p, spec);

	p = load("type: pipeline\n"
		 "jobs:\n"
		 "  make:\n"
		 "    component: ./make.yml\n"
		 "  use:\n"
		 "    component: ./use.yml\n"
		 "    inputs:\n"
		 "      data: ${{parent.jobs.make.outputs.folder}}\n"
		 "      n: ${{parent.jobs.make.outputs.folder}}\n", &spec);
	msg = first_error(p, &line, &col);
	is_str(msg, "input 'n' of step 'use' takes integer, but output "
	       "'folder' of step 'make' is uri_folder",
	       "data feeding a literal input");
	drop(p, spec);

	p = load("type: pipeline\n"
		 "inputs:\n"
		 "  count: many\n"
		 "jobs:\n"
		 "  use:\n"
		 "    component: ./use.yml\n"
		 "    inputs:\n"
		 "      data:\n"
		 "        type: uri_folder\n"
		 "        path: .\n"
		 "      n: ${{parent.inputs.count}}\n", &spec);
	msg = first_error(p, &line, &col);
	is_str(msg, "input 'n' of step 'use' is integer input: 'many' is not "
	       "an integer", "a pipeline literal of the wrong type");
	drop(p, spec);

	p = load("type: pipeline\n"
		 "jobs:\n"
		 "  make:\n"
		 "    component: ./make.yml\n"
		 "  use:\n"
		 "    component: ./use.yml\n"
		 "    inputs:\n"
		 "      data: ${{parent.jobs.make.outputs.folder}}\n", &spec);
	ok(p && !p->diags.errors, "folder to folder binds");
	if (p && !p->diags.errors) {
		long u = mlw_pipeline_find(p, "use");

		is_int(p->steps[u].nr_inputs, 2, "declared inputs all there");
		is_str(p->steps[u].inputs[1].value, "3", "a default fills n");
		is_str(p->steps[u].outputs[0].type, "mlflow_model",
		       "the declared output type");
	}
	drop(p, spec);
}

static void test_nested(void)
{
	struct mlw_spec *spec;
	struct mlw_pipeline *p;

	write_file("inner.yml",
		   "$schema: https://azuremlschemas.azureedge.net/latest/"
		   "pipelineComponent.schema.json\n"
		   "name: inner\n"
		   "type: pipeline\n"
		   "inputs:\n"
		   "  data:\n"
		   "    type: uri_folder\n"
		   "outputs:\n"
		   "  result:\n"
		   "    type: uri_folder\n"
		   "jobs:\n"
		   "  first:\n"
		   "    component: ./use.yml\n"
		   "    inputs:\n"
		   "      data: ${{parent.inputs.data}}\n"
		   "  second:\n"
		   "    component: ./use.yml\n"
		   "    inputs:\n"
		   "      data: ${{parent.jobs.first.outputs.out}}\n"
		   "    outputs:\n"
		   "      out: ${{parent.outputs.result}}\n");
	p = load("type: pipeline\n"
		 "jobs:\n"
		 "  make:\n"
		 "    component: ./make.yml\n"
		 "  group:\n"
		 "    type: pipeline\n"
		 "    component: ./inner.yml\n"
		 "    inputs:\n"
		 "      data: ${{parent.jobs.make.outputs.folder}}\n"
		 "  last:\n"
		 "    component: ./use.yml\n"
		 "    inputs:\n"
		 "      data: ${{parent.jobs.group.outputs.result}}\n", &spec);
	ok(p && !p->diags.errors, "a nested pipeline loads");
	if (p && !p->diags.errors) {
		long first = mlw_pipeline_find(p, "group/first");
		long second = mlw_pipeline_find(p, "group/second");
		long make = mlw_pipeline_find(p, "make");
		long last = mlw_pipeline_find(p, "last");
		long group = mlw_pipeline_find(p, "group");

		ok(first >= 0 && second >= 0, "its steps are OUTER/INNER");
		is_int(p->steps[group].kind, MLW_STEP_PIPELINE, "a group");
		is_int(p->nr_order, 4, "four steps run");
		is_int(p->steps[first].inputs[0].step, make,
		       "parent.inputs resolved to the outer step's output");
		is_int(p->steps[last].inputs[0].step, second,
		       "the group's output is its inner step's");
		is_int(p->steps[first].group, group, "inner steps know it");
	}
	drop(p, spec);
}

static void test_key(void)
{
	struct mlw_reuse_input in[2] = {
		{ "n", "integer", "3", NULL },
		{ "data", "uri_folder", NULL,
		  "1111111111111111111111111111111111111111111111111111111111111111" }
	};
	struct mlw_reuse_input swapped[2];
	struct mlw_reuse_parts parts = { "{\"command\":\"x\"}",
		"2222222222222222222222222222222222222222222222222222222222222222",
		"azureml:e@latest", in, 2 };
	struct mlw_reuse_parts q;
	char base[MLW_OID_HEXSZ + 1], k[MLW_OID_HEXSZ + 1];

	mlw_reuse_key(base, &parts);
	mlw_reuse_key(k, &parts);
	is_str(k, base, "the same parts, the same key");
	swapped[0] = in[1];
	swapped[1] = in[0];
	q = parts;
	q.inputs = swapped;
	mlw_reuse_key(k, &q);
	is_str(k, base, "the order of the inputs does not matter");
	q = parts;
	q.component = "{\"command\":\"y\"}";
	mlw_reuse_key(k, &q);
	ok(strcmp(k, base), "the component changes it");
	q = parts;
	q.code = NULL;
	mlw_reuse_key(k, &q);
	ok(strcmp(k, base), "the code changes it");
	q = parts;
	q.environment = "azureml:f@latest";
	mlw_reuse_key(k, &q);
	ok(strcmp(k, base), "the environment changes it");
	swapped[0] = in[0];
	swapped[1] = in[1];
	swapped[0].literal = "4";
	q = parts;
	q.inputs = swapped;
	mlw_reuse_key(k, &q);
	ok(strcmp(k, base), "a literal changes it");
	swapped[0] = in[0];
	swapped[1].object = "3333333333333333333333333333333333333333333333333"
			    "333333333333333";
	mlw_reuse_key(k, &q);
	ok(strcmp(k, base), "an input's content changes it");
	swapped[1] = in[1];
	swapped[1].name = "other";
	mlw_reuse_key(k, &q);
	ok(strcmp(k, base), "which input gets the data changes it");
}

/* a literal against its input's min, max and enum; each said once */
static void test_bounds(void)
{
	struct mlw_spec *spec;
	struct mlw_pipeline *p;
	int line, col;

	write_file("bounded.yml",
		   "$schema: https://azuremlschemas.azureedge.net/latest/"
		   "commandComponent.schema.json\n"
		   "name: bounded\n"
		   "command: echo ${{inputs.n}} ${{inputs.x}} ${{inputs.m}}\n"
		   "environment: azureml:e@latest\n"
		   "inputs:\n"
		   "  n: {type: integer, min: 1, max: 5, default: 1}\n"
		   "  x: {type: number, min: -0.5, default: 0}\n"
		   "  m: {type: string, enum: [a, b], default: a}\n");
	p = load("type: pipeline\n"
		 "jobs:\n"
		 "  edge:\n"
		 "    component: ./bounded.yml\n"
		 "    inputs: {n: 5, x: -0.5, m: b}\n", &spec);
	ok(p && !p->diags.errors, "values at the bounds and in the enum");
	drop(p, spec);
	p = load("type: pipeline\n"
		 "jobs:\n"
		 "  out:\n"
		 "    component: ./bounded.yml\n"
		 "    inputs:\n"
		 "      n: 0\n"
		 "      x: -1\n"
		 "      m: c\n", &spec);
	is_int(p ? (int)p->diags.errors : -1, 3, "three values out of bounds");
	is_str(first_error(p, &line, &col), "input 'n' of step 'out' is at "
	       "least 1: 0 is not", "below min");
	is_int(line, 6, "at the value");
	ok(p && p->diags.nr == 3 && !strcmp(p->diags.items[1].msg,
	   "input 'x' of step 'out' is at least -0.5: -1 is not"),
	   "a number below min");
	ok(p && p->diags.nr == 3 && !strcmp(p->diags.items[2].msg,
	   "input 'm' of step 'out' is one of a, b: not 'c'"),
	   "a string not in the enum");
	drop(p, spec);
}

/* checking only: what this machine lacks is a warning, the rest errors */
static void test_check_only(void)
{
	struct mlw_pipeline_options opts;
	struct mlw_spec_options so;
	struct mlw_spec *spec = NULL;
	struct mlw_pipeline *p = NULL;
	char *path = mlw_path_join(dir, "pipeline.yml");

	memset(&so, 0, sizeof(so));
	so.group = "job";
	memset(&opts, 0, sizeof(opts));
	opts.components.check_only = 1;
	if (mlw_spec_load_mem(&spec, path, "type: pipeline\n"
			      "jobs:\n"
			      "  far:\n"
			      "    type: parallel\n"
			      "  gone:\n"
			      "    component: ./nowhere.yml\n"
			      "  use:\n"
			      "    component: ./bounded.yml\n"
			      "    inputs:\n"
			      "      n: 9\n", &so) ||
	    mlw_pipeline_load(&p, spec, &opts))
		p = NULL;
	free(path);
	ok(p && p->diags.warnings == 2, "a parallel step and a missing file "
	   "are warnings");
	is_int(p ? (int)p->diags.errors : -1, 1, "a value out of bounds is "
	       "still an error");
	drop(p, spec);
}

static void test_component_text(void)
{
	struct mlw_spec *spec;
	struct mlw_pipeline *p;
	char *t1, *t2, *t3;

	p = load("type: pipeline\n"
		 "jobs:\n"
		 "  a:\n"
		 "    display_name: first\n"
		 "    description: says a\n"
		 "    command: echo a\n"
		 "    environment: azureml:e@latest\n"
		 "  b:\n"
		 "    display_name: second\n"
		 "    compute: azureml:cpu\n"
		 "    command: echo a\n"
		 "    environment: azureml:other@latest\n"
		 "  c:\n"
		 "    command: echo c\n"
		 "    environment: azureml:e@latest\n", &spec);
	if (!p || p->diags.errors) {
		ok(0, "steps load");
		drop(p, spec);
		return;
	}
	t1 = mlw_reuse_component_text(&p->steps[0]);
	t2 = mlw_reuse_component_text(&p->steps[1]);
	t3 = mlw_reuse_component_text(&p->steps[2]);
	is_str(t1, t2, "names, descriptions, compute and environment are "
	       "not the component part");
	ok(strcmp(t1, t3), "the command is");
	free(t1);
	free(t2);
	free(t3);
	t1 = mlw_reuse_environment_text(&p->steps[0]);
	is_str(t1, "\"azureml:e@latest\"", "the environment part");
	free(t1);
	drop(p, spec);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_edges();
	test_cycle();
	test_components();
	test_nested();
	test_key();
	test_component_text();
	test_bounds();
	test_check_only();
	mlw_remove_tree(dir);
	return done_testing();
}
