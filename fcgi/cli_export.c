/* huzu export units|buildings|staff [UNIT_CODE]: the org tree or the staff
 * list on stdout, in the import formats (core/orgexport.h). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "orgexport.h"

static enum hz_status
put(void *arg, const char *line, size_t len)
{
	return fwrite(line, 1, len, arg) == len ? HZ_OK : HZ_ERR_IO;
}

static bool
known(const char *file)
{
	for (int f = 0; hz_org_files[f]; f++)
		if (strcmp(file, hz_org_files[f]) == 0)
			return true;
	return false;
}

int
cmd_export(int argc, char **argv, const char *path)
{
	const char *file = NULL, *code = NULL;
	struct cli c;
	enum hz_status rc;

	/* Words after the command, "-c CONFIG" set aside. */
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			i++;
		else if (file == NULL)
			file = argv[i];
		else if (code == NULL)
			code = argv[i];
		else
			return usage_of(argv[1]);
	}
	if (file == NULL || !known(file)) {
		if (file)
			fprintf(stderr, "huzu: no file %s: say units, buildings "
			    "or staff\n", file);
		return usage_of(argv[1]);
	}
	if (cli_open(&c, path) != 0)
		return 1;
	rc = hz_org_export_operator(&c.x, code, file, put, stdout);
	if (rc == HZ_OK && fflush(stdout) != 0)
		rc = HZ_ERR_IO;
	if (rc == HZ_ERR_NOT_FOUND && code)
		fprintf(stderr, "huzu: no unit %s: see the codes with huzu "
		    "export units\n", code);
	else if (rc == HZ_ERR_NOT_FOUND)
		fputs("huzu: no village yet: run huzu init first\n", stderr);
	else if (rc)
		cli_fail(&c, "cannot export", rc);
	cli_close(&c);
	return rc ? 1 : 0;
}
