#pragma once
// A value or an error message: what every loader at a file boundary returns.

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace sim {

// The error half of a Result: a message naming the file, the field or frame, and what was
// expected, written for the person who has to fix the file.
struct Error {
    std::string message;
};

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_storage(std::move(value)) {}
    Result(Error error) : m_storage(std::move(error)) {}

    bool ok() const { return std::holds_alternative<T>(m_storage); }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<T>(m_storage); }
    const T& value() const& { return std::get<T>(m_storage); }
    T&& value() && { return std::get<T>(std::move(m_storage)); }
    // The error message; empty when the result holds a value.
    const std::string& error() const {
        static const std::string kNone;
        return ok() ? kNone : std::get<Error>(m_storage).message;
    }

    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

private:
    std::variant<T, Error> m_storage;
};

// Result for operations that produce nothing but can fail.
class [[nodiscard]] Status {
public:
    Status() = default;
    Status(Error error) : m_error(std::move(error.message)) {}
    static Status success() { return {}; }

    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    // The error message; empty on success.
    const std::string& error() const {
        static const std::string kNone;
        return m_error ? *m_error : kNone;
    }

private:
    std::optional<std::string> m_error;
};

}  // namespace sim

// Returns early from the enclosing function (which returns Status or Result<T>) on failure.
#define CHARSIM_TRY(expr)                                     \
    do {                                                      \
        if (::sim::Status tryStatus_ = (expr); !tryStatus_) { \
            return ::sim::Error{tryStatus_.error()};          \
        }                                                     \
    } while (0)
