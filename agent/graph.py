"""The agent graph. `build_graph` is the only place where nodes and edges are added.

understand ─┬─ recommend_place → text2cypher → hyde ─┬→ backfill ─┬→ relax ─┬→ select → answer
            │                                        └────────────┴─────────┘
            │     backfill: below `backfill_below` candidates, or too few meet every constraint
            │     relax: still too few meet every constraint (the relaxation ladder)
            ├─ graph_question → graph_query → answer
            ├─ products / viewed together / itinerary / mapping → tool → answer
            └─ out_of_scope → answer
"""

from __future__ import annotations

from functools import partial
from typing import Any

from langgraph.graph import END, START, StateGraph

from agent.deps import AgentDeps
from agent.nodes import AgentNodes
from agent.routing import route_after_backfill, route_after_hyde, route_intent
from agent.state import InputState, OutputState, State, starting_turn


def build_graph(deps: AgentDeps, checkpointer: Any = None) -> Any:
    """Compile the agent over `deps`. Pass a checkpointer (see `agent.memory`) for
    per-thread memory; without one every call is a fresh conversation."""
    nodes = AgentNodes(deps)

    def understand(state: State) -> dict[str, Any]:
        # The first node of a turn: its steps, notes and timing start the turn's logs.
        return starting_turn(nodes.understand(state))

    g = StateGraph(State, input_schema=InputState, output_schema=OutputState)
    g.add_node("understand", understand)
    g.add_node("text2cypher", nodes.text2cypher)
    g.add_node("hyde", nodes.hyde)
    g.add_node("backfill", nodes.backfill)
    g.add_node("relax", nodes.relax)
    g.add_node("select", nodes.select)
    g.add_node("graph_query", nodes.graph_query)
    g.add_node("tool", nodes.tool)
    g.add_node("answer", nodes.answer)

    g.add_edge(START, "understand")
    g.add_conditional_edges(
        "understand", route_intent, ["text2cypher", "graph_query", "tool", "answer"]
    )
    g.add_edge("text2cypher", "hyde")
    g.add_conditional_edges(
        "hyde",
        partial(route_after_hyde, backfill_below=deps.config.backfill_below),
        ["backfill", "select"],
    )
    g.add_conditional_edges("backfill", route_after_backfill, ["relax", "select"])
    g.add_edge("relax", "select")
    g.add_edge("select", "answer")
    g.add_edge("graph_query", "answer")
    g.add_edge("tool", "answer")
    g.add_edge("answer", END)
    return g.compile(checkpointer=checkpointer)
