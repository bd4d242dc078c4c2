// cxxtls_lib.cc: a std::once_flag and a thread_local with a constructor.
#include <atomic>
#include <mutex>
#include <string>

static std::once_flag flag;
static int count;
static std::atomic<int> constructed;

int once_count() { return count; }
void once_init() { std::call_once(flag, [] { count++; }); }

struct named {
  std::string s;
  named() : s("t") { constructed++; }
};
static thread_local named name;

std::string &tls_name() { return name.s; }
int tls_constructed() { return constructed; }
