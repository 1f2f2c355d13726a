/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The traced process. Launch mode: the command is forked first and held
 * before execve until every probe is live, so tracing covers its first
 * instruction; its exit status becomes memtrace's. Attach mode: a PID
 * checked before any work.
 */
#ifndef MT_PROCESS_H
#define MT_PROCESS_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

struct mt_child {
	pid_t pid;
	int gate_fd; /* write a byte to let the child exec */
	int err_fd;  /* the child's errno if execve failed; EOF once it succeeded */
	char *exe;   /* the program that will run (an interpreter for #! scripts), absolute */
	char *path;  /* the file execv() gets: the command found in PATH (pyenv shims resolved) */
};

/* The interpreter a "#!" script names (through "/usr/bin/env NAME" too): malloc'd real path, or NULL. */
char *mt_script_interpreter(const char *exe);
/* Find the command, fork, hold the child. 0 or -errno with a reason in err. */
int mt_launch_prepare(char *const *cmd, struct mt_child *c, char *err, size_t errlen);
/* Let the child exec; 0 once it has, or -errno (exec failed) with a reason in err. */
int mt_launch_release(struct mt_child *c, char *const *cmd, char *err, size_t errlen);
/* Kill and reap a child that never ran; NULL-safe on a zeroed struct. */
void mt_launch_abort(struct mt_child *c);
void mt_launch_free(struct mt_child *c);
/*
 * After tracing: wait for the command (ended first with SIGTERM when the
 * run was stopped by a signal, as perf record does). Its exit status as a
 * shell shows it (128 + signal), and *wstatus its wait status.
 */
int mt_launch_wait(struct mt_child *c, const volatile sig_atomic_t *stop_signal, int *wstatus);
/* A wait status as a shell's $?: the exit code, or 128 + the signal. */
int mt_shell_status(int wstatus);

/* Attach mode: is PID a process memtrace can trace? 0, or -errno with a reason in err. */
int mt_attach_check(pid_t pid, char *err, size_t errlen);

#endif
