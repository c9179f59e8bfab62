// A dynamically linked C++ guest: a class, std::string, std::vector, iostream and an exception
// thrown and caught (the unwinder comes from libgcc_s in the runtime image).
#include <iostream>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

class Greeter {
public:
    explicit Greeter(std::string name) : name_(std::move(name)) {}

    std::string greet() const { return "Hello from C++ in a Hyperlight-Nanvix micro-VM, " + name_ + "!"; }

private:
    std::string name_;
};

static int checked_divide(int a, int b)
{
    if (b == 0)
        throw std::domain_error("division by zero");
    return a / b;
}

int main()
{
    Greeter greeter("guest");
    std::cout << greeter.greet() << '\n';

    std::vector<int> squares;
    for (int i = 1; i <= 10; ++i)
        squares.push_back(i * i);
    std::cout << "sum of the first 10 squares: " << std::accumulate(squares.begin(), squares.end(), 0) << '\n';

    try {
        checked_divide(1, 0);
        std::cout << "no exception\n";
        return 1;
    } catch (const std::domain_error &e) {
        std::cout << "caught: " << e.what() << '\n';
    }
    return 0;
}
