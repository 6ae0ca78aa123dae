#include "kepu15/error.hpp"

#include <atomic>
#include <iostream>
#include <new>

namespace kepu15 {

namespace {
void default_sink(const std::string& message) { std::cerr << "kepu15: warning: " << message << '\n'; }
std::atomic<warning_sink> g_sink{&default_sink};
}  // namespace

void set_warning_sink(warning_sink sink) { g_sink.store(sink != nullptr ? sink : &default_sink); }

void warn(const std::string& message) { g_sink.load()(message); }

void rethrow_with_context(const std::string& context) {
    try {
        throw;
    } catch (const input_error& e) {
        throw input_error(context + ": " + e.what());
    } catch (const crs_error& e) {
        throw crs_error(context + ": " + e.what());
    } catch (const geometry_error& e) {
        throw geometry_error(context + ": " + e.what());
    } catch (const config_error& e) {
        throw config_error(context + ": " + e.what());
    } catch (const output_error& e) {
        throw output_error(context + ": " + e.what());
    } catch (const std::bad_alloc&) {
        throw;  // main reports running out of memory as such
    } catch (const std::exception& e) {
        throw error(context + ": " + e.what());
    }
}

}  // namespace kepu15
