/*
 * document.h - a run as the document every front door prints.
 *
 * 'mlw job show -o json', 'mlw job list -o json', --query and the HTTP
 * APIs render the same object, built here from a run read from the
 * catalog (as asset/document.h does for assets):
 *
 *	name, display_name, experiment_name, experiment_id, type, status,
 *	parent_job_name, created, start_time, end_time, duration, compute,
 *	exit_code, archived
 *
 * and with MLW_RUN_DOC_DETAILS (after mlw_run_load_details()):
 *
 *	description, command, environment, code, spec, log, error,
 *	times {NotStarted ... Finalizing, Ended}, properties (git),
 *	inputs, outputs, params, metrics (last values), tags, artifacts
 *
 * Missing values are null; times are RFC 3339 UTC.  The fields are listed
 * in mlw-job(1).
 */
#ifndef MLW_RUN_DOCUMENT_H
#define MLW_RUN_DOCUMENT_H

struct mlw_out;
struct mlw_run;
struct mlw_run_metric;

/* every field 'job show' gives, not only the listing's */
#define MLW_RUN_DOC_DETAILS 1u

/* Append run as one object to o (in a list, or as the root). */
void mlw_run_document(struct mlw_out *o, const struct mlw_run *run,
		      unsigned flags);
/* The same fields, into the object o is building. */
void mlw_run_document_fields(struct mlw_out *o, const struct mlw_run *run,
			     unsigned flags);

/*
 * Append run as a row of a table or of TSV: name, experiment_name,
 * status, created (what a brief listing reads, mlw_run_filter.brief).
 */
void mlw_run_row(struct mlw_out *o, const struct mlw_run *run);

/* Append a metric point as an object: key, step, value, timestamp. */
void mlw_run_metric_point(struct mlw_out *o, const struct mlw_run_metric *m);

#endif
