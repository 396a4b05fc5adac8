/*
 * recorder: a child program for the randomized differential
 * (test/random_test.go). It takes every signal with a signalfd, in the
 * order the kernel hands them over, and writes one line for each that a
 * process sent it ("NAME SIG", or "NAME SIG*" when the sender was not the
 * init). What the kernel itself sends (a child's exit) is not written.
 * It waits in poll(2) whenever it has nothing to do, which is how the
 * harness sees that it has caught up.
 *
 *   recorder NAME CTLFD INITPID [SPEC...]
 *
 * CTLFD is the read end of a pipe the harness commands it through, two
 * bytes per command:
 *   'x' N  exit with status N
 *   'k' N  die of signal N
 *   'f' 0  write "NAME flushed" (everything received before is written)
 * It exits when the pipe is closed, and after 120 s whatever happens.
 * INITPID is the init's PID as this process sees it (0: its parent's).
 * Each SPEC starts one more recorder before this one is ready:
 *   NAME:CTLFD:group    a child in this process group
 *   NAME:CTLFD:session  a child in a session of its own
 *   NAME:CTLFD:orphan   a grandchild whose parent exits at once (PID 1
 *                       of the namespace, the init, becomes its parent)
 * Lines go to stdout with one write(2) each, so that lines of the
 * processes sharing the pipe never interleave.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *name;
static pid_t initpid;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char line[128];
	va_list ap;
	int n = snprintf(line, sizeof line, "%s ", name);
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
	va_end(ap);
	line[n++] = '\n';
	if (write(1, line, n) != n)
		_exit(97);
}

static void nothing(int sig) { (void)sig; }

/* Every signal blocked, 32 and 33 too (glibc's sigfillset leaves them
 * out), and taken from the returned signalfd. */
static int take_signals(void)
{
	sigset_t all;
	memset(&all, 0xff, sizeof all);
	if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, NULL, 8) != 0)
		_exit(96);
	/* No SIGCHLD when a child stops or continues: only their exits. */
	struct sigaction sa = {.sa_handler = nothing, .sa_flags = SA_NOCLDSTOP};
	sigaction(SIGCHLD, &sa, NULL);
	int fd = signalfd(-1, &all, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		_exit(95);
	return fd;
}

static void die_of(int sig)
{
	signal(sig, SIG_DFL);
	sigset_t one;
	sigemptyset(&one);
	sigaddset(&one, sig);
	syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &one, NULL, 8);
	kill(getpid(), sig);
	_exit(98); /* a signal whose default is not to terminate */
}

static void start(const char *spec);

static int run(int ctl)
{
	int sfd = take_signals();
	say("ready %d", (int)getpid());
	time_t end = time(NULL) + 120;
	for (;;) {
		struct pollfd fds[2] = {{sfd, POLLIN, 0}, {ctl, POLLIN, 0}};
		int left = (int)(end - time(NULL));
		if (left <= 0)
			_exit(94);
		if (poll(fds, 2, left * 1000) < 0 && errno != EINTR)
			_exit(93);
		/* Every pending signal first: a command comes after them. */
		struct signalfd_siginfo si;
		while (read(sfd, &si, sizeof si) == sizeof si) {
			if (si.ssi_code > 0) { /* the kernel's: a child exited */
				while (waitpid(-1, NULL, WNOHANG) > 0)
					;
				continue;
			}
			say("%u%s", si.ssi_signo, (pid_t)si.ssi_pid == initpid ? "" : "*");
		}
		if (!(fds[1].revents & (POLLIN | POLLHUP)))
			continue;
		unsigned char cmd[2];
		ssize_t n = read(ctl, cmd, 2);
		if (n == 0)
			_exit(0); /* the harness is gone */
		if (n != 2)
			continue;
		switch (cmd[0]) {
		case 'x':
			_exit(cmd[1]);
		case 'k':
			die_of(cmd[1]);
			break;
		case 'f':
			say("flushed");
			break;
		}
	}
}

/* start starts the recorder SPEC names, as a child or an orphan. */
static void start(const char *spec)
{
	char buf[64];
	snprintf(buf, sizeof buf, "%s", spec);
	char *child = strtok(buf, ":");
	char *fd = strtok(NULL, ":");
	char *how = strtok(NULL, ":");
	if (!child || !fd || !how)
		_exit(92);
	pid_t pid = fork();
	if (pid < 0)
		_exit(91);
	if (pid > 0) {
		if (strcmp(how, "orphan") == 0)
			waitpid(pid, NULL, 0);
		return;
	}
	if (strcmp(how, "session") == 0)
		setsid();
	if (strcmp(how, "orphan") == 0 && fork() != 0)
		_exit(0);
	name = strdup(child);
	run(atoi(fd));
}

int main(int argc, char **argv)
{
	if (argc < 4)
		return 2;
	name = argv[1];
	initpid = atoi(argv[3]);
	if (initpid == 0)
		initpid = getppid();
	/* The children start with every signal blocked, as this one is
	 * about to be: none is lost between fork and their signalfd. */
	sigset_t all;
	memset(&all, 0xff, sizeof all);
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, NULL, 8);
	for (int i = 4; i < argc; i++)
		start(argv[i]);
	return run(atoi(argv[2]));
}
