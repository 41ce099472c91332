// A fault-injection hook for the leak-hunt tests (in the spirit of etcd's gofail): named
// points in the controller where a test can make the process die uncleanly, exactly like
// `kill -9`, to prove that every crash window leaves nothing behind (no orphan instance, no
// duplicate launch, no claim stuck half way). Production never sets the variable, and then a
// point costs one load of an already-initialised static.
//
//   GANTRY_CRASH_POINTS=launch.after-create              die on the first hit
//   GANTRY_CRASH_POINTS=launch.after-create:2,gc.x       die on the second hit of the first,
//                                                        or the first of the second
//
// The variable is read once, on the first crashPoint() call. Before dying the process writes
// one line, "crash point <name>", to stderr (unbuffered), so a test can tell which point it
// hit. Tests only; never arm it in a real cluster.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gantry {

// Dies with SIGKILL if `name` is armed in GANTRY_CRASH_POINTS and this is the hit it names.
// Thread-safe.
void crashPoint(std::string_view name);

// One armed point: die on hit number `hit` (1-based).
struct CrashPointSpec {
  std::string name;
  int hit = 1;
};

// Parses the variable's value ("a,b:2, c"): blanks around names are ignored, as are empty
// entries; a count that is not a positive number arms the first hit. Pure.
std::vector<CrashPointSpec> parseCrashPoints(std::string_view value);

}  // namespace gantry
