/*
 * job-run.h - the verbs of 'mlw job' that start and follow runs
 * (job-run.c), for job.c's table of verbs.
 */
#ifndef MLW_CMD_JOB_RUN_H
#define MLW_CMD_JOB_RUN_H

struct mlw_ctx;

/* 'mlw job create' */
int cmd_job_create(int argc, const char **argv, struct mlw_ctx *ctx);
/* copy run name's log to stdout until it ends; its exit status */
int cmd_job_stream_run(struct mlw_ctx *ctx, const char *name);

#endif
