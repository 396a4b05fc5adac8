/* pause: the sandbox ("infra") container of every pod, which containerd's sandbox_image names.
 * Kubernetes' own pause image comes from a registry, which the suite never reaches; this does what
 * it does: hold the pod's namespaces, stop on SIGINT or SIGTERM, and, as PID 1 of a pod with
 * shareProcessNamespace, reap the orphans that come to it. The suite builds it with gcc -static. */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void stop(int sig) {
	(void)sig;
	_exit(0);
}

static void reap(int sig) {
	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0) {
	}
}

int main(void) {
	struct sigaction sa = {0};
	sa.sa_handler = stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = reap;
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	for (;;)
		pause();
}
