// Python's repr() of a float, which several outputs must match byte for byte: the text of float
// literals in the parse tree, Python's str()/repr() in Django's messages, and the numbers of the
// encryptedFields map as json.dumps prints it. The C++ standard library gives the digits
// (std::to_chars: the shortest that round-trip, as Python's repr uses since 3.1); only Python's
// layout of them is here.
#ifndef QUERYSAFE_LIB_COMMON_PYTHON_REPR_H_
#define QUERYSAFE_LIB_COMMON_PYTHON_REPR_H_

#include <string>

namespace querysafe {

// repr(float): positional when the decimal exponent is in [-4, 16) ("0.0001",
// "1000000000000000.0"), scientific with a sign and at least two exponent digits otherwise
// ("1e-05", "1e+16"); integral values keep ".0"; "nan", "inf", "-inf", "-0.0".
std::string FloatRepr(double value);

}  // namespace querysafe

#endif  // QUERYSAFE_LIB_COMMON_PYTHON_REPR_H_
