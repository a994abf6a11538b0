"""Kanerva's "What is the dollar of Mexico?" with ternary hypervectors.

Each country is one vector: its name, capital and currency bound to role vectors and bundled.
Binding the USA's record with Mexico's maps one onto the other, so the dollar, sent through
that map, lands near the peso; an item memory of every symbol cleans the noisy answer up.

    python examples/vsa_item_memory.py
"""
from resin_jit.vsa import ItemMemory, JitVSAEngine, TritVector

DIM = 10_000
SYMBOLS = ["name", "capital", "currency", "usa", "washington", "dollar", "mexico", "mexico city", "peso",
           "sweden", "stockholm", "krona"]


def main():
    engine = JitVSAEngine()
    # bipolar vectors (no zeros), so binding twice with the same key gives the vector back exactly
    vector = {s: TritVector.random(DIM, seed=i, sparsity=0.0) for i, s in enumerate(SYMBOLS)}

    def record(name, capital, currency):
        return engine.bundle([engine.bind(vector["name"], vector[name]),
                              engine.bind(vector["capital"], vector[capital]),
                              engine.bind(vector["currency"], vector[currency])])

    usa = record("usa", "washington", "dollar")
    mexico = record("mexico", "mexico city", "peso")
    memory = ItemMemory([vector[s] for s in SYMBOLS], labels=SYMBOLS)

    usa_to_mexico = engine.bind(usa, mexico)
    answer = engine.cleanup(engine.bind(vector["dollar"], usa_to_mexico), memory, threshold=0.1)
    capital = engine.cleanup(engine.bind(vector["capital"], mexico), memory, threshold=0.1)
    indices, scores = engine.top_k(engine.bind(vector["dollar"], usa_to_mexico), memory, 3)
    print(f"the dollar of Mexico: {answer}")
    print(f"the capital of Mexico: {capital}")
    print("closest symbols: " + ", ".join(f"{SYMBOLS[i]} {s:.3f}" for i, s in zip(indices, scores)))
    print(f"engine: {engine.stats['jit_misses']} kernels compiled or loaded, {engine.stats['total_ops']} operations")
    return answer, capital


if __name__ == "__main__":
    main()
