/* main.c - the custos binary: everything is a command (see cli/cli.c). */
#include "cli/cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
