#pragma once
// Organisational cynicism (docs/model.md, Portfolio mode): one level C in [0, 1] per
// organisation. A started programme that ends without completing raises it, a completion
// relieves it, and between those events it decays back towards its initial level. The
// draws of every programme read C at the moment they are made.
#include <algorithm>
#include <cmath>
#include <limits>

namespace progsurv {

struct CynicismSettings {
  double initial = 0.0;
  double rise = 0.0;    // C <- C + rise (1 - C) when a started programme ends uncompleted
  double relief = 0.0;  // C <- C (1 - relief) when a programme completes
  double half_life = std::numeric_limits<double>::infinity();  // months; decay to initial
  // What C does to a draw made at time t.
  double effect_break = 0.0;     // p' = p + (1 - p) effect_break C
  double effect_pickup = 0.0;    // pickup delay times 1 + effect_pickup C
  double effect_approval = 0.0;  // approval times 1 - effect_approval C
  bool has_effect() const {
    return effect_break != 0.0 || effect_pickup != 0.0 || effect_approval != 0.0;
  }
};

// The level over time: anchored at the last event, decaying towards `initial` after it.
class Cynicism {
 public:
  explicit Cynicism(const CynicismSettings& s) : s_(&s), level_(s.initial) {}
  const CynicismSettings& settings() const { return *s_; }
  double at(double t) const {
    if (level_ == s_->initial || !(s_->half_life < std::numeric_limits<double>::infinity()))
      return level_;
    return s_->initial + (level_ - s_->initial) * std::exp2(-(t - since_) / s_->half_life);
  }
  void on_failure(double t) { set(t, at(t) + s_->rise * (1.0 - at(t))); }
  void on_completion(double t) { set(t, at(t) * (1.0 - s_->relief)); }

  double break_prob(double p, double t) const { return p + (1.0 - p) * s_->effect_break * at(t); }
  double pickup_factor(double t) const { return 1.0 + s_->effect_pickup * at(t); }
  double approval_factor(double t) const { return 1.0 - s_->effect_approval * at(t); }

 private:
  void set(double t, double c) {
    level_ = std::min(1.0, std::max(0.0, c));
    since_ = t;
  }
  const CynicismSettings* s_;
  double level_;
  double since_ = 0.0;
};

}  // namespace progsurv
