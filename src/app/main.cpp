#include <iostream>
int main() { std::cout << "kepu15 " << KEPU15_VERSION << '\n'; return 0; }
