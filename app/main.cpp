// charsim: the desktop application and headless command line.
#include "app/cli.h"

int main(int argc, char** argv) { return app::runCommandLine(argc, argv); }
