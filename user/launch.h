/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Launch mode: the command is forked first and held before execve until
 * every probe is live, so tracing covers its first instruction.
 */
#ifndef MT_LAUNCH_H
#define MT_LAUNCH_H

#include <stddef.h>
#include <sys/types.h>

struct mt_child {
	pid_t pid;
	int gate_fd; /* write a byte to let the child exec */
	int err_fd;  /* the child's errno if execve failed; EOF once it succeeded */
	char *exe;   /* the program that will run (an interpreter for #! scripts), absolute */
	char *path;  /* the file execv() gets: the command found in PATH (pyenv shims resolved) */
	int stdout_fd; /* where the command's stdout goes; 1 unless redirected */
};

/* The interpreter a "#!" script names (through "/usr/bin/env NAME" too): malloc'd real path, or NULL. */
char *mt_script_interpreter(const char *exe);
/* Find the command, fork, hold the child. 0 or -errno with a reason in err. */
int mt_launch_prepare(char *const *cmd, struct mt_child *c, char *err, size_t errlen);
/* Before release: the command's stdout goes to our stderr (keeps a --json stdout pure). */
void mt_launch_stdout_to_stderr(struct mt_child *c);
/* Let the child exec; 0 once it has, or -errno (exec failed) with a reason in err. */
int mt_launch_release(struct mt_child *c, char *const *cmd, char *err, size_t errlen);
/* Kill and reap a child that never ran; NULL-safe on a zeroed struct. */
void mt_launch_abort(struct mt_child *c);
void mt_launch_free(struct mt_child *c);

#endif
