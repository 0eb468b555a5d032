%% The actor workloads of bench/actors.ts on the BEAM, for the same table. bench/beam.ts compiles this file
%% at run time and runs it twice (one scheduler, +S 1, and the default); it prints one line of figures:
%% "beam SpawnRate SpawnBytes OneToOne Ring FanOut" (per second, bytes per process), each the median of Runs.
-module(actors_beam).
-export([main/1]).

main([SpawnN, MsgN, RingSize, RingHops, FanSize, FanN, Runs]) ->
    Spawns = [spawn_bench(SpawnN) || _ <- lists:seq(1, Runs)],
    SpawnRate = median([R || {R, _} <- Spawns]),
    SpawnBytes = median([B || {_, B} <- Spawns]),
    OneToOne = median([one_to_one(MsgN) || _ <- lists:seq(1, Runs)]),
    Ring = median([ring(RingSize, RingHops) || _ <- lists:seq(1, Runs)]),
    FanOut = median([fan_out(FanSize, FanN) || _ <- lists:seq(1, Runs)]),
    io:format("beam ~f ~f ~f ~f ~f~n", [SpawnRate, SpawnBytes, OneToOne, Ring, FanOut]).

now_ns() -> erlang:monotonic_time(nanosecond).
rate(N, T0) -> N / ((now_ns() - T0) / 1.0e9).

median(L) -> lists:nth((length(L) + 1) div 2, lists:sort(L)).

%% spawn: N idle processes (each waits in receive), their rate and memory each (the list holding the pids,
%% two words a process, is counted too, as Cinder's bench counts its Pid objects).
spawn_bench(N) ->
    erlang:garbage_collect(),
    M0 = erlang:memory(processes),
    T0 = now_ns(),
    Pids = spawn_n(N, []),
    R = rate(N, T0),
    M1 = erlang:memory(processes),
    [exit(P, kill) || P <- Pids],
    {R, (M1 - M0) / N}.

spawn_n(0, Acc) -> Acc;
spawn_n(N, Acc) -> spawn_n(N - 1, [spawn(fun idle/0) | Acc]).

idle() -> receive _ -> idle() end.

%% 1:1: one producer sends N messages to one consumer, which says when it has them all.
one_to_one(N) ->
    Self = self(),
    C = spawn(fun() -> consume(N, Self) end),
    T0 = now_ns(),
    spawn(fun() -> produce(C, N) end),
    receive done -> ok end,
    rate(N, T0).

consume(0, Parent) -> Parent ! done;
consume(K, Parent) -> receive _ -> consume(K - 1, Parent) end.

produce(_, 0) -> ok;
produce(C, K) -> C ! K, produce(C, K - 1).

%% ring: Size processes pass one token round, Hops hops in all.
ring(Size, Hops) ->
    Self = self(),
    Pids = [spawn(fun() -> receive {next, Next} -> ring_loop(Next, Self) end end) || _ <- lists:seq(1, Size)],
    [First | _] = Pids,
    link_ring(Pids, First),
    T0 = now_ns(),
    First ! Hops,
    receive done -> ok end,
    R = rate(Hops, T0),
    [exit(P, kill) || P <- Pids],
    R.

link_ring([Last], First) -> Last ! {next, First};
link_ring([P, Q | Rest], First) -> P ! {next, Q}, link_ring([Q | Rest], First).

ring_loop(Next, Parent) ->
    receive
        0 -> Parent ! done, ring_loop(Next, Parent);
        K -> Next ! K - 1, ring_loop(Next, Parent)
    end.

%% fan-out: one process sends round-robin to Size processes, N deliveries (N a multiple of Size).
fan_out(Size, N) ->
    Self = self(),
    Each = N div Size,
    Members = list_to_tuple([spawn(fun() -> member(Each, Self) end) || _ <- lists:seq(1, Size)]),
    T0 = now_ns(),
    spawn(fun() -> send_round(Members, Size, 0, N) end),
    wait_done(Size),
    rate(N, T0).

member(0, Parent) -> Parent ! done;
member(K, Parent) -> receive _ -> member(K - 1, Parent) end.

send_round(_, _, Sent, N) when Sent >= N -> ok;
send_round(Members, Size, Sent, N) ->
    element(Sent rem Size + 1, Members) ! Sent,
    send_round(Members, Size, Sent + 1, N).

wait_done(0) -> ok;
wait_done(K) -> receive done -> wait_done(K - 1) end.
