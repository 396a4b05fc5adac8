/* hog: takes memory until the kernel stops it. It touches every page (untouched pages cost nothing
 * and would never reach the container's memory limit) and prints what it holds every 8 MiB, so the
 * container's log shows how far it got. The suite builds it with gcc -static. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
	size_t held = 0;
	for (;;) {
		char *chunk = malloc(1 << 20);
		if (!chunk) {
			puts("hog: malloc failed");
			return 1;
		}
		memset(chunk, 1, 1 << 20);
		held++;
		if (held % 8 == 0) {
			printf("hog: holding %zu MiB\n", held);
			fflush(stdout);
		}
	}
}
