// cxxtls_main.cc: thread-local state that C++ headers reach in libstdc++
// itself (std::call_once's __once_callable and __once_call, futures'),
// and thread_local variables with constructors, across two objects.
#include <cstdio>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

int once_count();
void once_init();
std::string &tls_name();
int tls_constructed();

int main() {
  std::vector<std::thread> ts;
  for (int i = 0; i < 4; i++)
    ts.emplace_back([i] {
      once_init();
      once_init();
      tls_name() += std::to_string(i);
    });
  for (auto &t : ts)
    t.join();
  std::printf("call_once ran %d time(s)\n", once_count());
  auto f = std::async(std::launch::async, [] { return 6 * 7; });
  std::promise<int> p;
  std::future<int> pf = p.get_future();
  std::thread pt([&p] { p.set_value(9); });
  std::printf("async %d, promise %d\n", f.get(), pf.get());
  pt.join();
  tls_name() += "main";
  std::printf("main's thread_local: '%s'; constructed %d time(s)\n",
              tls_name().c_str(), tls_constructed());
  return 0;
}
