// Hello from JavaScript: QuickJS (qjs --std) in a Hyperlight-Nanvix micro-VM.

console.log("Hello from JavaScript in a Hyperlight-Nanvix micro-VM!");

const factorial = (n) => (n <= 1n ? 1n : n * factorial(n - 1n));
console.log(`20! = ${factorial(20n)}`);

const report = {
    engine: "QuickJS",
    arguments: scriptArgs.slice(1),
    squares: [1, 2, 3, 4].map((x) => x * x),
};
console.log("JSON:", JSON.stringify(report));

const parsed = JSON.parse('{"greeting": "hello", "count": 3}');
console.log(`${parsed.greeting} x${parsed.count}`);
