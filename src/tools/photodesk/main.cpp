// photodesk: the reviewer workstation. Everything lives in src/workstation (app.h); this file
// only hands the command line over, so no ImGui or GL header is included outside that folder.
#include "workstation/app.h"

int main(int argc, char** argv) { return pd::workstation::main_entry(argc, argv); }
