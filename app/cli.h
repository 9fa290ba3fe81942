#pragma once
// The command line: `charsim` (window), `charsim run`, `charsim view`, `charsim inspect`.

namespace app {

// Parses arguments and runs the chosen command; returns the process exit code.
int runCommandLine(int argc, char** argv);

}  // namespace app
