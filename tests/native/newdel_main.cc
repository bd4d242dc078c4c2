// newdel_main.cc: libstdc++'s own allocations (string streams, locales,
// containers built inside libstdc++.so) must reach the program's operator
// new and delete, as they do natively, where the executable's definitions
// interpose on the library's references.
#include <cstdio>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

extern unsigned long newdel_news, newdel_deletes;

static std::string render(int i) {
  std::ostringstream os;  // grows its buffer inside libstdc++.so
  os << "item " << i << " of many, padded to force a heap buffer: "
     << std::string(40, '.');
  return os.str();
}

int main(int argc, char **argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 50;
  unsigned long before = newdel_news;
  std::vector<std::string> v;
  std::map<int, std::string> m;
  for (int i = 0; i < n; i++) {
    v.push_back(render(i));
    m[i] = v.back();
  }
  std::size_t total = 0;
  for (const auto &s : v)
    total += s.size();
  try {
    throw std::runtime_error(std::string(100, 'x'));  // the .so copies it
  } catch (const std::exception &e) {
    total += std::string(e.what()).size();
  }
  v.clear();
  m.clear();
  std::printf("strings %d, bytes %zu, operator new called: %s\n", n, total,
              newdel_news - before > (unsigned long)n ? "yes" : "no");
  std::printf("every delete matched a new: %s\n",
              newdel_deletes <= newdel_news ? "yes" : "no");
  return 0;
}
