/*
 * Benchmark helper for scripts/bench.sh (not part of the init, not a test).
 *
 * Modes (argv[1]):
 *   child-sig SHMFILE
 *       Runs as the init's child. Maps SHMFILE (struct shm below), handles
 *       SIGUSR1 by storing a CLOCK_MONOTONIC timestamp and bumping a counter
 *       (futex-woken), counts every SIGURG it receives, then pauses forever.
 *       SIGTERM keeps its default action, so the init's forwarded SIGTERM ends it.
 *   drive-sig INITPID SHMFILE N FLOOD BURNSECS OUTFILE
 *       Runs outside the namespace. Sends N SIGUSR1 to INITPID one at a time,
 *       each after the child acknowledged the previous one, and writes each
 *       latency kill() -> child's handler (ns, one a line) to OUTFILE. Then starts two bounded CPU burners (two
 *       cores), sends FLOOD SIGUSR1 back to back, stops the burners and reads
 *       how many SIGURG the child has seen in total.
 *       Prints: "lost urg" (signals not acknowledged within 1 s; SIGURG total).
 *   startup RUNS WARMUP :: CMD ARGS... [:: CMD ARGS...]
 *       Times fork+exec+wait of each command (absolute path, no shell, stdio
 *       on /dev/null), WARMUP + RUNS times, interleaved across the commands,
 *       and prints each command's median in ms, one a line.
 *   child-reap N
 *       Runs as the init's child (the init must be PID 1 of a PID namespace).
 *       A middle process forks N grandchildren that block on a pipe, then the
 *       middle exits, so the N grandchildren are re-parented to the init. Once
 *       all N are blocked, the pipe is closed: all N exit at once and become
 *       zombies of the init. Prints the time from closing the pipe until every
 *       one of them has been reaped (kill(pid,0) == ESRCH), polled every 1 ms,
 *       the CPU time PID 1 used in that window (sum of the first field of
 *       /proc/1/task/<tid>/schedstat) and the SIGURG count: "reap_ms cpu_ms urg".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sched.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct shm {
	uint32_t ready;
	uint32_t count;
	uint32_t urg;
	uint32_t pad;
	int64_t ts_ns;
};

static struct shm *S;
static volatile uint32_t urg_local;

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long futex(uint32_t *addr, int op, uint32_t val, const struct timespec *to)
{
	return syscall(SYS_futex, addr, op, val, to, NULL, 0);
}

static void die(const char *what)
{
	fprintf(stderr, "helper: %s: %s\n", what, strerror(errno));
	exit(3);
}

static struct shm *map_shm(const char *path)
{
	int fd = open(path, O_RDWR);
	if (fd < 0)
		die(path);
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap");
	close(fd);
	return p;
}

static void on_usr1(int sig)
{
	(void)sig;
	int64_t t = now_ns();
	__atomic_store_n(&S->ts_ns, t, __ATOMIC_RELAXED);
	__atomic_add_fetch(&S->count, 1, __ATOMIC_RELEASE);
	futex(&S->count, FUTEX_WAKE, 1, NULL);
}

static void on_urg_shm(int sig)
{
	(void)sig;
	__atomic_add_fetch(&S->urg, 1, __ATOMIC_RELAXED);
}

static void on_urg_local(int sig)
{
	(void)sig;
	urg_local++;
}

static void handle(int sig, void (*fn)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL) < 0)
		die("sigaction");
}

static int child_sig(const char *path)
{
	S = map_shm(path);
	handle(SIGUSR1, on_usr1);
	handle(SIGURG, on_urg_shm);
	__atomic_store_n(&S->ready, 1, __ATOMIC_RELEASE);
	futex(&S->ready, FUTEX_WAKE, 1, NULL);
	for (;;)
		pause();
	return 0;
}

static void burn(int secs)
{
	alarm(secs); /* default action of SIGALRM ends the burner by itself */
	volatile uint64_t x = 0;
	for (;;)
		x++;
}

static int drive_sig(pid_t init, const char *path, int n, int flood, int burnsecs,
		     const char *outpath)
{
	S = map_shm(path);
	int64_t deadline = now_ns() + 20000000000LL;
	while (!__atomic_load_n(&S->ready, __ATOMIC_ACQUIRE)) {
		if (now_ns() > deadline) {
			fprintf(stderr, "helper: child never became ready\n");
			return 3;
		}
		struct timespec to = {0, 10000000};
		futex(&S->ready, FUTEX_WAIT, 0, &to);
	}
	int64_t *lat = calloc(n, sizeof *lat);
	int got = 0, lost = 0;
	for (int i = 0; i < n; i++) {
		uint32_t c = __atomic_load_n(&S->count, __ATOMIC_ACQUIRE);
		int64_t t0 = now_ns();
		if (kill(init, SIGUSR1) < 0)
			die("kill");
		int64_t limit = t0 + 1000000000LL;
		int ok = 1;
		while (__atomic_load_n(&S->count, __ATOMIC_ACQUIRE) == c) {
			int64_t left = limit - now_ns();
			if (left <= 0) {
				ok = 0;
				break;
			}
			struct timespec to = {left / 1000000000LL, left % 1000000000LL};
			futex(&S->count, FUTEX_WAIT, c, &to);
		}
		if (!ok) {
			lost++;
			continue;
		}
		lat[got++] = __atomic_load_n(&S->ts_ns, __ATOMIC_RELAXED) - t0;
	}
	FILE *out = fopen(outpath, "w");
	if (!out)
		die(outpath);
	for (int i = 0; i < got; i++)
		fprintf(out, "%lld\n", (long long)lat[i]);
	fclose(out);

	/* Flood under CPU load: SIGURG is what a Go runtime sends its own threads
	 * to preempt them; a forwarding init must not pass those on. */
	pid_t burners[2] = {0, 0};
	if (burnsecs > 0) {
		for (int i = 0; i < 2; i++) {
			burners[i] = fork();
			if (burners[i] == 0)
				burn(burnsecs);
		}
	}
	for (int i = 0; i < flood; i++) {
		kill(init, SIGUSR1);
		if (i % 64 == 63)
			sched_yield();
	}
	usleep(300000);
	for (int i = 0; i < 2; i++) {
		if (burners[i] > 0) {
			kill(burners[i], SIGKILL);
			waitpid(burners[i], NULL, 0);
		}
	}
	usleep(100000);
	printf("%d %u\n", lost, __atomic_load_n(&S->urg, __ATOMIC_RELAXED));
	return 0;
}

/* CPU time (ns) consumed so far by all threads of PID 1 of our namespace. */
static int64_t init_cpu_ns(void)
{
	int64_t sum = 0;
	DIR *d = opendir("/proc/1/task");
	if (!d)
		return -1;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[300];
		snprintf(path, sizeof path, "/proc/1/task/%s/schedstat", e->d_name);
		FILE *f = fopen(path, "r");
		long long v;
		if (f && fscanf(f, "%lld", &v) == 1)
			sum += v;
		if (f)
			fclose(f);
	}
	closedir(d);
	return sum;
}

/* await_reaped polls until none of the left pids exists any more (the init
 * reaped them all), then prints wall and init CPU milliseconds since t0/cpu0
 * and the SIGURGs seen; 3 if that takes over 60 s. */
static int await_reaped(pid_t *pids, int left, int64_t t0, int64_t cpu0, long poll_ns)
{
	int64_t deadline = t0 + 60000000000LL;
	while (left > 0) {
		int k = 0;
		for (int i = 0; i < left; i++)
			if (kill(pids[i], 0) == 0 || errno != ESRCH)
				pids[k++] = pids[i];
		left = k;
		if (left == 0)
			break;
		if (now_ns() > deadline) {
			fprintf(stderr, "helper: %d zombies not reaped after 60 s\n", left);
			printf("-1 -1 %u\n", urg_local);
			return 3;
		}
		struct timespec ts = {0, poll_ns};
		nanosleep(&ts, NULL);
	}
	int64_t t1 = now_ns();
	int64_t cpu1 = init_cpu_ns();
	usleep(100000); /* give a late forwarded SIGURG a chance to show up */
	printf("%.2f %.2f %u\n", (t1 - t0) / 1e6, (cpu1 - cpu0) / 1e6, urg_local);
	return 0;
}

static int child_reap(int n)
{
	handle(SIGURG, on_urg_local);
	size_t sz = sizeof(uint32_t) * 2 + sizeof(pid_t) * (size_t)n;
	uint32_t *sh = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap");
	uint32_t *ready = &sh[0], *made = &sh[1];
	pid_t *pids = (pid_t *)&sh[2];
	int gate[2];
	if (pipe(gate) < 0)
		die("pipe");
	pid_t mid = fork();
	if (mid < 0)
		die("fork");
	if (mid == 0) {
		close(gate[1]);
		for (int i = 0; i < n; i++) {
			pid_t p = fork();
			if (p < 0)
				break;
			if (p == 0) {
				char c;
				__atomic_add_fetch(ready, 1, __ATOMIC_RELEASE);
				while (read(gate[0], &c, 1) < 0 && errno == EINTR)
					;
				_exit(0);
			}
			pids[i] = p;
			__atomic_store_n(made, i + 1, __ATOMIC_RELEASE);
		}
		_exit(0);
	}
	close(gate[0]);
	if (waitpid(mid, NULL, 0) < 0)
		die("waitpid");
	int m = (int)__atomic_load_n(made, __ATOMIC_ACQUIRE);
	if (m < n)
		fprintf(stderr, "helper: only %d of %d forks succeeded\n", m, n);
	int64_t deadline = now_ns() + 30000000000LL;
	while ((int)__atomic_load_n(ready, __ATOMIC_ACQUIRE) < m) {
		if (now_ns() > deadline) {
			fprintf(stderr, "helper: grandchildren did not start\n");
			return 3;
		}
		usleep(1000);
	}
	usleep(200000); /* let them all reach read() */

	int left = m;
	int64_t cpu0 = init_cpu_ns();
	int64_t t0 = now_ns();
	close(gate[1]);
	return await_reaped(pids, left, t0, cpu0, 1000000);
}

/* State letter of /proc/PID/stat ('Z' for a zombie), or 0. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	ssize_t k = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (k <= 0)
		return 0;
	buf[k] = 0;
	char *r = strrchr(buf, ')');
	return r && r[1] == ' ' ? r[2] : 0;
}

/* Zombies first: the middle process forks N children that exit at once,
 * waits (untimed) until every one of them is a zombie, stores t0 and exits.
 * Its exit hands the N zombies to PID 1 in one go; the time runs until the
 * last of them is gone. */
static int child_reapz(int n)
{
	handle(SIGURG, on_urg_local);
	size_t sz = sizeof(int64_t) * 2 + sizeof(pid_t) * (size_t)n;
	int64_t *sh = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap");
	int64_t *t0p = &sh[0], *made = &sh[1];
	pid_t *pids = (pid_t *)&sh[2];
	int64_t cpu0 = init_cpu_ns();
	pid_t mid = fork();
	if (mid < 0)
		die("fork");
	if (mid == 0) {
		int m = 0;
		for (; m < n; m++) {
			pid_t p = fork();
			if (p < 0)
				break;
			if (p == 0)
				_exit(0);
			pids[m] = p;
		}
		for (int i = 0; i < m; i++) {
			int64_t deadline = now_ns() + 10000000000LL;
			while (proc_state(pids[i]) != 'Z' && now_ns() < deadline)
				usleep(100);
		}
		__atomic_store_n(made, m, __ATOMIC_RELEASE);
		__atomic_store_n(t0p, now_ns(), __ATOMIC_RELEASE);
		_exit(0);
	}
	if (waitpid(mid, NULL, 0) < 0)
		die("waitpid");
	int m = (int)__atomic_load_n(made, __ATOMIC_ACQUIRE);
	int64_t t0 = __atomic_load_n(t0p, __ATOMIC_ACQUIRE);
	if (m < n)
		fprintf(stderr, "helper: only %d of %d forks succeeded\n", m, n);
	return await_reaped(pids, m, t0, cpu0, 200000);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

extern char **environ;

/* startup RUNS WARMUP :: CMD ARGS... :: CMD ARGS... */
static int startup(int argc, char **argv)
{
	int runs = atoi(argv[2]), warm = atoi(argv[3]);
	char **cmds[16];
	int k = 0;
	for (int i = 4; i < argc && k < 16; i++) {
		if (strcmp(argv[i], "::"))
			continue;
		argv[i] = NULL; /* terminates the previous command's argv */
		if (i + 1 < argc && strcmp(argv[i + 1], "::"))
			cmds[k++] = &argv[i + 1];
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	int64_t *t = calloc((size_t)runs * k, sizeof *t);
	int bad = 0;
	/* Interleaved: run r of every command before run r+1 of any, so that a
	 * noisy phase of the machine is shared by all commands alike. */
	for (int r = -warm; r < runs; r++) {
		for (int c = 0; c < k; c++) {
			pid_t pid;
			int st;
			int64_t t0 = now_ns();
			if (posix_spawn(&pid, cmds[c][0], &fa, NULL, cmds[c], environ) != 0)
				die(cmds[c][0]);
			if (waitpid(pid, &st, 0) < 0)
				die("waitpid");
			int64_t t1 = now_ns();
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
				bad++;
			if (r >= 0)
				t[(size_t)c * runs + r] = t1 - t0;
		}
	}
	for (int c = 0; c < k; c++) {
		int64_t *v = &t[(size_t)c * runs];
		qsort(v, runs, sizeof *v, cmp_i64);
		printf("%.3f\n", v[runs / 2] / 1e6);
	}
	if (bad)
		fprintf(stderr, "helper: %d runs did not exit 0\n", bad);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "child-sig"))
		return child_sig(argv[2]);
	if (argc >= 8 && !strcmp(argv[1], "drive-sig"))
		return drive_sig(atoi(argv[2]), argv[3], atoi(argv[4]), atoi(argv[5]), atoi(argv[6]),
				 argv[7]);
	if (argc >= 6 && !strcmp(argv[1], "startup"))
		return startup(argc, argv);
	if (argc >= 3 && !strcmp(argv[1], "child-reap"))
		return child_reap(atoi(argv[2]));
	if (argc >= 3 && !strcmp(argv[1], "child-reapz"))
		return child_reapz(atoi(argv[2]));
	fprintf(stderr, "usage: helper child-sig SHM | drive-sig PID SHM N FLOOD BURNSECS OUT | startup RUNS WARMUP :: CMD... | child-reap N\n");
	return 2;
}
