/* The bare FastCGI ceiling for scripts/bench: a prefork libfcgi program
 * answering a fixed body, with none of huzu's machinery. Whatever huzu
 * does on a route costs its distance from this. scripts/bench starts it in
 * a session of its own and stops the whole group. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcgiapp.h>

int
main(int argc, char **argv)
{
	static const char resp[] = "Status: 200 OK\r\n"
	    "Content-Type: application/json\r\n\r\n{\"status\":\"ok\"}";
	FCGX_Request r;
	int fd, n;

	if (argc != 3 || (n = (int)strtol(argv[2], NULL, 10)) < 1 || n > 64) {
		fputs("usage: huzu-ceiling SOCKET WORKERS\n", stderr);
		return 2;
	}
	FCGX_Init();
	if ((fd = FCGX_OpenSocket(argv[1], 1024)) < 0)
		return 1;
	for (int i = 0; i < n; i++)
		if (fork() == 0) {
			FCGX_InitRequest(&r, fd, 0);
			while (FCGX_Accept_r(&r) >= 0) {
				FCGX_PutStr(resp, sizeof(resp) - 1, r.out);
				FCGX_Finish_r(&r);
			}
			_exit(0);
		}
	while (wait(NULL) > 0)
		;
	return 0;
}
