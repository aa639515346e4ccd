/*
 * endpoint.h - the verbs of 'mlw endpoint' that live beside endpoint.c
 * (endpoint-deployment.c, endpoint-serve.c), for its table of verbs.
 */
#ifndef MLW_CMD_ENDPOINT_H
#define MLW_CMD_ENDPOINT_H

struct mlw_ctx;

/* endpoint-deployment.c: 'mlw endpoint deployment VERB' */
int cmd_endpoint_deployment(int argc, const char **argv, struct mlw_ctx *ctx);

/* endpoint-serve.c */
int cmd_endpoint_serve(int argc, const char **argv, struct mlw_ctx *ctx);
int cmd_endpoint_stop(int argc, const char **argv, struct mlw_ctx *ctx);
int cmd_endpoint_invoke(int argc, const char **argv, struct mlw_ctx *ctx);
int cmd_endpoint_list_jobs(int argc, const char **argv, struct mlw_ctx *ctx);
/* the hidden 'batch-score': a batch invocation's command */
int cmd_endpoint_batch_score(int argc, const char **argv,
			     struct mlw_ctx *ctx);

#endif
