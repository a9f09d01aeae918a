// photodesk's entry point and command line:
//   photodesk --server URL [--token T]     review a photodeskd's queue (token remembered, 0600)
//   photodesk --demo [--demo-reset]        a local photodeskd with a demo queue (README's run command)
//   photodesk --bench-review N [--demo | --server URL --token T]
//                                          key press -> next item drawn, CPU per frame, memory
// Test hooks (used by tests/workstation, documented in docs/workstation.md):
//   --profile DIR      all local state under DIR (journal, cache, credentials)
//   --keys "A A R"     type these keys, each once the item on screen is fully drawn
//   --exit-when-done   with --keys: quit once the keys are typed and the outbox is empty
//   --probe FILE       once the item on screen is fully drawn and any --keys typed: write
//                      FILE.png (glReadPixels) and FILE.json (where each view drew, glyphs
//                      missing, the focused check)
#pragma once

namespace pd::workstation {

int main_entry(int argc, char** argv);

}  // namespace pd::workstation
