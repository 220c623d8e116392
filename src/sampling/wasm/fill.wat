;; Fill kernels for src/sampling/wasm/fill.ts: the same draws as the JavaScript loops in
;; src/sampling/distributions.ts (xoshiro128** and the Ziggurat of Marsaglia & Tsang 2000), value for value.
;; Compiled by `npm run build:wasm` (scripts/build-wasm.js) into fill_bytes.ts; a test checks the bytes are current.
;;
;; The memory is imported: the module's own small one (fill.ts copies each chunk out of it), or the heap of
;; tfjs-backend-wasm, where the kernels write straight into a tensor. The tables take 4 KiB at $tables
;; (setTables), which fill.ts writes once:
;;   +0     KN f64[128]  |hz| below KN[i]: accept at once (used by the slow path, as in JavaScript)
;;   +1024  WN f64[128]  int32 -> x in layer i
;;   +2048  FN f64[128]  density at each layer edge
;;   +3072  KA i32[256]  per layer, with K = ceil(KN[i]): K - 1 and 2K - 1 (0 where K = 0), the fast test on
;;                       integers: |hz| < KN[i] <=> |hz| < K <=> (u32)(hz + K - 1) < (u32)(2K - 1)
;; Math.exp and Math.log are imported, so the rare slow path rounds exactly as the JavaScript one.
(module
  (import "math" "exp" (func $exp (param f64) (result f64)))
  (import "math" "log" (func $log (param f64) (result f64)))
  (import "env" "memory" (memory 1))

  ;; where the tables start
  (global $tables (mut i32) (i32.const 0))
  (func (export "setTables") (param i32)
    (global.set $tables (local.get 0)))

  ;; xoshiro128** state (Blackman & Vigna 2021)
  (global $s0 (mut i32) (i32.const 0))
  (global $s1 (mut i32) (i32.const 0))
  (global $s2 (mut i32) (i32.const 0))
  (global $s3 (mut i32) (i32.const 0))

  (func (export "setState") (param i32 i32 i32 i32)
    (global.set $s0 (local.get 0))
    (global.set $s1 (local.get 1))
    (global.set $s2 (local.get 2))
    (global.set $s3 (local.get 3)))

  ;; state word i (0..3)
  (func (export "state") (param $i i32) (result i32)
    (block $w3 (block $w2 (block $w1 (block $w0
      (br_table $w0 $w1 $w2 $w3 (local.get $i)))
      (return (global.get $s0)))
      (return (global.get $s1)))
      (return (global.get $s2)))
    (global.get $s3))

  ;; one xoshiro128** output (Xoshiro128.nextInt32)
  (func $next (result i32) (local $s1 i32) (local $t i32) (local $r i32)
    (local.set $s1 (global.get $s1))
    (local.set $r (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
    (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
    (global.set $s2 (i32.xor (global.get $s2) (global.get $s0)))
    (global.set $s3 (i32.xor (global.get $s3) (local.get $s1)))
    (global.set $s1 (i32.xor (local.get $s1) (global.get $s2)))
    (global.set $s0 (i32.xor (global.get $s0) (global.get $s3)))
    (global.set $s2 (i32.xor (global.get $s2) (local.get $t)))
    (global.set $s3 (i32.rotl (global.get $s3) (i32.const 11)))
    (local.get $r))

  ;; (u >>> 8) 2^-24 in [0, 1) (Xoshiro128.nextFloat24)
  (func $float24 (result f64)
    (f64.mul (f64.convert_i32_u (i32.shr_u (call $next) (i32.const 8))) (f64.const 0x1p-24)))

  ;; ((u >>> 8) + 0.5) 2^-24 in (0, 1) (Xoshiro128.nextOpenUnit)
  (func $openUnit (result f64)
    (f64.mul (f64.add (f64.convert_i32_u (i32.shr_u (call $next) (i32.const 8))) (f64.const 0.5)) (f64.const 0x1p-24)))

  ;; The rare Ziggurat path (normalSlowPath): the base layer's tail beyond R, or a wedge test against the density.
  (func $slow (param $hz i32) (param $iz i32) (result f64) (local $x f64) (local $y f64) (local $at i32)
    (loop $again
      (if (i32.eqz (local.get $iz))
        (then
          ;; tail (Marsaglia 1964): x = -ln(u1)/R, accept if -2 ln(u2) > x^2
          (loop $tail
            (local.set $x (f64.div (f64.neg (call $log (call $openUnit))) (f64.const 3.442619855899)))
            (local.set $y (f64.neg (call $log (call $openUnit))))
            (br_if $tail (f64.lt (f64.add (local.get $y) (local.get $y)) (f64.mul (local.get $x) (local.get $x)))))
          (return (select
            (f64.add (f64.const 3.442619855899) (local.get $x))
            (f64.sub (f64.const -3.442619855899) (local.get $x))
            (i32.gt_s (local.get $hz) (i32.const 0))))))
      (local.set $at (i32.add (global.get $tables) (i32.shl (local.get $iz) (i32.const 3))))
      (local.set $x (f64.mul (f64.convert_i32_s (local.get $hz)) (f64.load offset=1024 (local.get $at))))
      ;; FN[iz] + u (FN[iz - 1] - FN[iz]) < exp(-0.5 x x)
      (if (f64.lt
            (f64.add
              (f64.load offset=2048 (local.get $at))
              (f64.mul
                (call $float24)
                (f64.sub (f64.load offset=2040 (local.get $at)) (f64.load offset=2048 (local.get $at)))))
            (call $exp (f64.mul (f64.mul (f64.const -0.5) (local.get $x)) (local.get $x))))
        (then (return (local.get $x))))
      (local.set $hz (call $next))
      (local.set $iz (i32.and (local.get $hz) (i32.const 127)))
      (local.set $at (i32.add (global.get $tables) (i32.shl (local.get $iz) (i32.const 3))))
      (if (f64.lt (f64.abs (f64.convert_i32_s (local.get $hz))) (f64.load (local.get $at)))
        (then (return (f64.mul (f64.convert_i32_s (local.get $hz)) (f64.load offset=1024 (local.get $at))))))
      (br $again))
    (unreachable))

  ;; Writes n floats at $dst: mean + sigma z for standard normal draws z (fillZiggurat).
  ;; The generator's state stays in locals; the slow path hands it over through the globals.
  (func (export "fillNormal") (param $dst i32) (param $n i32) (param $mean f64) (param $sigma f64)
    (local $p i32) (local $end i32) (local $hz i32) (local $at i32) (local $z f64)
    (local $s0 i32) (local $s1 i32) (local $s2 i32) (local $s3 i32) (local $t i32) (local $tables i32)
    (local.set $tables (global.get $tables))
    (local.set $p (local.get $dst))
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $s0 (global.get $s0))
    (local.set $s1 (global.get $s1))
    (local.set $s2 (global.get $s2))
    (local.set $s3 (global.get $s3))
    (block $done
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (loop $draw
        (local.set $hz (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
        (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
        (local.set $s2 (i32.xor (local.get $s2) (local.get $s0)))
        (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
        (local.set $s1 (i32.xor (local.get $s1) (local.get $s2)))
        (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
        (local.set $s2 (i32.xor (local.get $s2) (local.get $t)))
        (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
        ;; |hz| < K  <=>  (u32)(hz + K - 1) < 2K - 1, with the pair (K - 1, 2K - 1) of layer iz at KA
        (local.set $at (i32.add (local.get $tables) (i32.shl (i32.and (local.get $hz) (i32.const 127)) (i32.const 3))))
        (if (i32.lt_u
              (i32.add (local.get $hz) (i32.load offset=3072 (local.get $at)))
              (i32.load offset=3076 (local.get $at)))
          (then
            (local.set $z (f64.mul
              (f64.convert_i32_s (local.get $hz))
              (f64.load offset=1024 (local.get $at)))))
          (else
            (global.set $s0 (local.get $s0))
            (global.set $s1 (local.get $s1))
            (global.set $s2 (local.get $s2))
            (global.set $s3 (local.get $s3))
            (local.set $z (call $slow (local.get $hz) (i32.and (local.get $hz) (i32.const 127))))
            (local.set $s0 (global.get $s0))
            (local.set $s1 (global.get $s1))
            (local.set $s2 (global.get $s2))
            (local.set $s3 (global.get $s3))))
        (f32.store (local.get $p)
          (f32.demote_f64 (f64.add (local.get $mean) (f64.mul (local.get $sigma) (local.get $z)))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br_if $draw (i32.lt_u (local.get $p) (local.get $end)))))
    (global.set $s0 (local.get $s0))
    (global.set $s1 (local.get $s1))
    (global.set $s2 (local.get $s2))
    (global.set $s3 (local.get $s3)))

  ;; Writes n floats at $dst: mean + sigma z for standard normal draws z, keeping lo <= z <= hi (fillZiggurat).
  ;; The generator's state stays in locals; the slow path hands it over through the globals.
  (func (export "fillNormalBetween") (param $dst i32) (param $n i32) (param $mean f64) (param $sigma f64) (param $lo f64) (param $hi f64)
    (local $p i32) (local $end i32) (local $hz i32) (local $at i32) (local $z f64)
    (local $s0 i32) (local $s1 i32) (local $s2 i32) (local $s3 i32) (local $t i32) (local $tables i32)
    (local.set $tables (global.get $tables))
    (local.set $p (local.get $dst))
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $s0 (global.get $s0))
    (local.set $s1 (global.get $s1))
    (local.set $s2 (global.get $s2))
    (local.set $s3 (global.get $s3))
    (block $done
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (loop $draw
        (local.set $hz (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
        (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
        (local.set $s2 (i32.xor (local.get $s2) (local.get $s0)))
        (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
        (local.set $s1 (i32.xor (local.get $s1) (local.get $s2)))
        (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
        (local.set $s2 (i32.xor (local.get $s2) (local.get $t)))
        (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
        ;; |hz| < K  <=>  (u32)(hz + K - 1) < 2K - 1, with the pair (K - 1, 2K - 1) of layer iz at KA
        (local.set $at (i32.add (local.get $tables) (i32.shl (i32.and (local.get $hz) (i32.const 127)) (i32.const 3))))
        (if (i32.lt_u
              (i32.add (local.get $hz) (i32.load offset=3072 (local.get $at)))
              (i32.load offset=3076 (local.get $at)))
          (then
            (local.set $z (f64.mul
              (f64.convert_i32_s (local.get $hz))
              (f64.load offset=1024 (local.get $at)))))
          (else
            (global.set $s0 (local.get $s0))
            (global.set $s1 (local.get $s1))
            (global.set $s2 (local.get $s2))
            (global.set $s3 (local.get $s3))
            (local.set $z (call $slow (local.get $hz) (i32.and (local.get $hz) (i32.const 127))))
            (local.set $s0 (global.get $s0))
            (local.set $s1 (global.get $s1))
            (local.set $s2 (global.get $s2))
            (local.set $s3 (global.get $s3))))
        (f32.store (local.get $p)
          (f32.demote_f64 (f64.add (local.get $mean) (f64.mul (local.get $sigma) (local.get $z)))))
        ;; a value outside [lo, hi] is overwritten by the next draw (no branch)
        (local.set $p (i32.add (local.get $p) (i32.shl
          (i32.and (f64.ge (local.get $z) (local.get $lo)) (f64.le (local.get $z) (local.get $hi)))
          (i32.const 2))))
        (br_if $draw (i32.lt_u (local.get $p) (local.get $end)))))
    (global.set $s0 (local.get $s0))
    (global.set $s1 (local.get $s1))
    (global.set $s2 (local.get $s2))
    (global.set $s3 (local.get $s3)))

  ;; Writes n floats at $dst: low + width (u >>> 8) 2^-24 (fillUniform).
  (func (export "fillUniform") (param $dst i32) (param $n i32) (param $low f64) (param $width f64)
    (local $p i32) (local $end i32) (local $r i32)
    (local $s0 i32) (local $s1 i32) (local $s2 i32) (local $s3 i32) (local $t i32)
    (local.set $p (local.get $dst))
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $s0 (global.get $s0))
    (local.set $s1 (global.get $s1))
    (local.set $s2 (global.get $s2))
    (local.set $s3 (global.get $s3))
    (block $done
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (loop $draw
        (local.set $r (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
        (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
        (local.set $s2 (i32.xor (local.get $s2) (local.get $s0)))
        (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
        (local.set $s1 (i32.xor (local.get $s1) (local.get $s2)))
        (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
        (local.set $s2 (i32.xor (local.get $s2) (local.get $t)))
        (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
        (f32.store (local.get $p)
          (f32.demote_f64 (f64.add
            (local.get $low)
            (f64.mul
              (local.get $width)
              (f64.mul (f64.convert_i32_u (i32.shr_u (local.get $r) (i32.const 8))) (f64.const 0x1p-24))))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br_if $draw (i32.lt_u (local.get $p) (local.get $end)))))
    (global.set $s0 (local.get $s0))
    (global.set $s1 (local.get $s1))
    (global.set $s2 (local.get $s2))
    (global.set $s3 (local.get $s3)))
)
