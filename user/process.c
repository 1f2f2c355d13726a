// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "process.h"
#include "log.h"
#include "procfs.h"

static bool is_exec_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode) && !access(path, X_OK);
}

/* execvp's search, done up front so "not found" is our one-line error, not the child's. */
static char *search_path(const char *name)
{
	const char *path = getenv("PATH");
	char *dirs, *dir, *save = NULL, *found = NULL;

	if (strchr(name, '/'))
		return is_exec_file(name) ? realpath(name, NULL) : NULL;
	dirs = strdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	if (!dirs)
		return NULL;
	for (dir = strtok_r(dirs, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		char *cand;

		if (asprintf(&cand, "%s/%s", *dir ? dir : ".", name) < 0)
			break;
		if (is_exec_file(cand))
			found = realpath(cand, NULL);
		free(cand);
	}
	free(dirs);
	return found;
}

/*
 * For "#!/usr/bin/env python3" or "#!/usr/bin/python3.11 -u" the process
 * that runs, and whose functions are probed, is the interpreter.
 */
char *mt_script_interpreter(const char *exe)
{
	char line[PATH_MAX + 3], *p, *end, *interp;
	FILE *f = fopen(exe, "re");

	if (!f)
		return NULL;
	p = fgets(line, sizeof(line), f);
	fclose(f);
	if (!p || strncmp(line, "#!", 2))
		return NULL;
	p = line + 2 + strspn(line + 2, " \t");
	end = p + strcspn(p, " \t\r\n");
	if (end == p)
		return NULL;
	*end = '\0';
	interp = search_path(p);
	if (interp && !strcmp(strrchr(interp, '/') + 1, "env") && end[1]) {
		char *arg = end + 1 + strspn(end + 1, " \t");

		arg[strcspn(arg, " \t\r\n")] = '\0';
		free(interp);
		interp = *arg ? search_path(arg) : NULL;
	}
	return interp;
}

/*
 * pyenv's "python3" is a shell script that finally execs the interpreter
 * "pyenv which" names: run that interpreter directly, so the process we
 * trace is Python from its first instruction.
 */
static char *pyenv_real(const char *shim, const char *name)
{
	char *cmd, *line = NULL, *real = NULL;
	size_t cap = 0;
	FILE *p;

	if (!strstr(shim, "/.pyenv/shims/") || strchr(name, '\'') ||
	    asprintf(&cmd, "pyenv which '%s' 2>/dev/null", name) < 0)
		return NULL;
	p = popen(cmd, "re");
	free(cmd);
	if (!p)
		return NULL;
	if (getline(&line, &cap, p) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (is_exec_file(line))
			real = realpath(line, NULL);
	}
	free(line);
	pclose(p);
	return real;
}

static void child_main(int gate, int errfd, const char *path, char *const *cmd)
{
	char go;
	int e;

	/* EOF instead of the go byte: memtrace gave up; do not run untraced. */
	if (read(gate, &go, 1) != 1)
		_exit(127);
	close(gate);
	execv(path, cmd);
	e = errno;
	if (write(errfd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

int mt_launch_prepare(char *const *cmd, struct mt_child *c, char *err, size_t errlen)
{
	int gate[2], errp[2];
	char *interp, *real;

	memset(c, 0, sizeof(*c));
	c->gate_fd = c->err_fd = -1;
	c->exe = search_path(cmd[0]);
	if (!c->exe) {
		if (strchr(cmd[0], '/') && !access(cmd[0], F_OK))
			mt_set_err(err, errlen, "cannot run '%s': not an executable file (check its x permission)",
				cmd[0]);
		else
			mt_set_err(err, errlen, "command '%s' not found%s", cmd[0],
				strchr(cmd[0], '/') ? "" : " in PATH");
		return -ENOENT;
	}
	real = pyenv_real(c->exe, strrchr(cmd[0], '/') ? strrchr(cmd[0], '/') + 1 : cmd[0]);
	if (real) {
		free(c->exe);
		c->exe = real;
	}
	c->path = strdup(c->exe);
	if (!c->path) {
		mt_set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	interp = mt_script_interpreter(c->exe);
	if (interp) {
		free(c->exe);
		c->exe = interp;
	}

	if (pipe2(gate, O_CLOEXEC) || pipe2(errp, O_CLOEXEC)) {
		mt_set_err(err, errlen, "cannot create a pipe: %s", strerror(errno));
		return -errno;
	}
	fflush(NULL);
	c->pid = fork();
	if (c->pid < 0) {
		int e = errno;

		mt_set_err(err, errlen, "cannot fork: %s", strerror(e));
		close(gate[0]), close(gate[1]), close(errp[0]), close(errp[1]);
		return -e;
	}
	if (c->pid == 0) {
		close(gate[1]);
		close(errp[0]);
		child_main(gate[0], errp[1], c->path, cmd);
	}
	close(gate[0]);
	close(errp[1]);
	c->gate_fd = gate[1];
	c->err_fd = errp[0];
	return 0;
}

int mt_launch_release(struct mt_child *c, char *const *cmd, char *err, size_t errlen)
{
	int e = 0;
	ssize_t n;

	if (write(c->gate_fd, "g", 1) != 1) {
		e = errno;
		mt_set_err(err, errlen, "cannot start '%s': %s", cmd[0], strerror(e));
		return -e;
	}
	close(c->gate_fd);
	c->gate_fd = -1;
	/* The pipe closes on a successful execve (O_CLOEXEC) or carries its errno. */
	do
		n = read(c->err_fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(c->err_fd);
	c->err_fd = -1;
	if (n == sizeof(e)) {
		mt_set_err(err, errlen, "cannot execute '%s': %s", cmd[0], strerror(e));
		waitpid(c->pid, NULL, 0);
		c->pid = 0;
		return -e;
	}
	return 0;
}

void mt_launch_abort(struct mt_child *c)
{
	if (c->gate_fd >= 0)
		close(c->gate_fd); /* the child reads EOF and exits without running */
	if (c->err_fd >= 0)
		close(c->err_fd);
	c->gate_fd = c->err_fd = -1;
	if (c->pid > 0) {
		waitpid(c->pid, NULL, 0);
		c->pid = 0;
	}
}

void mt_launch_free(struct mt_child *c)
{
	free(c->exe);
	free(c->path);
	c->exe = c->path = NULL;
}

int mt_shell_status(int wstatus)
{
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return WEXITSTATUS(wstatus);
}

int mt_launch_wait(struct mt_child *c, const volatile sig_atomic_t *stop_signal, int *wstatus)
{
	int st = 0;

	/* SIGPIPE: stdout's reader left; the command runs on to its end. */
	if (*stop_signal && *stop_signal != SIGPIPE)
		kill(c->pid, SIGTERM);
	while (waitpid(c->pid, &st, 0) < 0) {
		if (errno != EINTR)
			return -errno;
		if (*stop_signal)
			kill(c->pid, SIGTERM);
	}
	*wstatus = st;
	return mt_shell_status(st);
}

int mt_attach_check(pid_t pid, char *err, size_t errlen)
{
	char path[64], exe[PATH_MAX], comm[64] = "?";
	ssize_t n;

	if (pid == getpid()) {
		mt_set_err(err, errlen, "process %d is memtrace itself; name another process", pid);
		return -EINVAL;
	}
	if (kill(pid, 0) && errno == ESRCH) {
		mt_set_err(err, errlen, "no process with PID %d; check the PID (ps -p %d)", pid, pid);
		return -ESRCH;
	}
	mt_proc_comm(pid, comm, sizeof(comm));
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n < 0 && errno == ENOENT) {
		mt_set_err(err, errlen,
			   "process %d (%s) is a kernel thread or a zombie: it has no user memory to trace",
			   pid, comm);
		return -EINVAL;
	}
	if (n < 0) {
		n = -errno;
		mt_set_err(err, errlen, "cannot inspect process %d (%s): %s: %s; run memtrace as root", pid,
			   comm, path, strerror((int)-n));
		return (int)n;
	}
	return 0;
}
