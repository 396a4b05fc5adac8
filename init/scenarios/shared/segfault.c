/* segfault: a program that crashes. It notes "crasher started" in /log/events, turns its own core
 * file off (so the outcome does not depend on the engine's core limit), and reads address 0: a real
 * segmentation fault raised by the kernel, not a signal sent by kill. The harness builds it
 * (gcc -static) into the scenario's context. */
#include <stdio.h>
#include <sys/resource.h>

int main(void) {
	FILE *events = fopen("/log/events", "a");
	if (events) {
		fputs("crasher started\n", events);
		fclose(events);
	}
	struct rlimit none = {0, 0};
	setrlimit(RLIMIT_CORE, &none);
	volatile int *nowhere = 0;
	return *nowhere;
}
